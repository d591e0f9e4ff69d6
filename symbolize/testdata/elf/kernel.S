/* A miniature kernel image: anchors, aliases, a weak alias, data, percpu. */
	.section .text, "ax"
	.globl _text, _stext, start_kernel, do_one_initcall
_text:
_stext:
start_kernel:
	nop
	nop
	.type do_one_initcall, @function
do_one_initcall:
	ret
	.size do_one_initcall, . - do_one_initcall
	.weak memcpy
memcpy:
__memcpy:
	ret
local_helper:
	nop
	.globl _etext
_etext:
	.section .rodata, "a"
	.globl linux_banner
linux_banner:
	.asciz "Linux version 6.1.0-test"
	.section .data, "aw"
	.globl jiffies
jiffies:
	.quad 0
	.globl _end
_end:
	.set kexec_control_code_size, 0x1ea
	.globl kexec_control_code_size
