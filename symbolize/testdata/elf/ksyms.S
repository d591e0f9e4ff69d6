/* A symbol image in the style of Solaris' /dev/ksyms: a relocatable file
   whose symbols are absolute, at the running kernel's addresses. */
	.globl _stext, kmem_alloc, kmem_free, panicstr
	.set _stext, 0xfffffffffb800000
	.type _stext, @function
	.set kmem_alloc, 0xfffffffffb800100
	.type kmem_alloc, @function
	.set kmem_free, 0xfffffffffb800180
	.type kmem_free, @function
	.set panicstr, 0xfffffffffbc00000
	.type panicstr, @object
