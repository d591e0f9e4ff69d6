package report

import "strings"

// A guiltyRule says where a report's guilty frame comes from.
type guiltyRule uint8

const (
	guiltyNone     guiltyRule = iota // the title names no frame
	guiltyMain                       // the first frame to blame of the report's own stack
	guiltyNamed                      // the function the header names ("... corrupted in: func")
	guiltyLockdep                    // lockdep's "stack backtrace:", else the main stack
	guiltyLocks                      // where the lockdep report says the lock was taken, else as guiltyLockdep
	guiltyIrqSafe                    // where the lock became irq-safe, else as guiltyLocks
	guiltyHang                       // the hung task's stack, past the waiting
	guiltyStall                      // the stalled CPU's stack, past the interrupt
	guiltyLockup                     // the locked-up CPU's own stack, else as guiltyStall
	guiltyOverflow                   // as guiltyStall, over the call trace only
	guiltyLeak                       // kmemleak's allocation backtrace
)

// neverGuilty are the functions a report's stack goes through that are not
// to blame: the reporting and exception machinery, sanitizer runtimes,
// locking primitives and the generic helpers (memory, strings, lists,
// allocation) that a bug merely passes bad arguments to. Each entry is a
// pattern for a whole function name.
var neverGuilty = []string{
	// Reporting, printing and the panic path.
	`dump_stack\w*`, `__dump_stack`, `show_stack\w*`, `show_regs\w*`, `show_trace\w*`, `show_trace_log_lvl`,
	`print_trace_address`, `printk\w*`, `vprintk\w*`, `_printk`, `panic`, `vpanic`, `nmi_panic`, `check_panic_on_warn`,
	`__warn\w*`, `warn_slowpath\w*`, `warn_bogus_irq_restore`, `report_bug`, `fixup_bug`, `handle_bug`, `do_error_trap`,
	`do_trap\w*`, `do_invalid_op`, `invalid_op`, `exc_invalid_op`, `asm_exc_invalid_op`, `do_bug_\w+`,
	`bug_handler`, `die`, `__die\w*`, `oops_end`, `oops_begin`, `no_context`, `kernelmode_fixup_or_oops`,
	`page_fault_oops`, `bad_area\w*`, `do_page_fault`, `__do_page_fault`,
	`do_user_addr_fault`, `do_kern_addr_fault`, `exc_page_fault`, `asm_exc_page_fault`, `page_fault`,
	`async_page_fault`, `do_general_protection`, `exc_general_protection`, `asm_exc_general_protection`,
	`general_protection`, `do_mem_abort`, `el1_\w+`, `el1h_\w+`, `__do_kernel_fault`, `die_kernel_fault`,
	`do_translation_fault`, `do_bad_area`, `do_DataAbort`, `do_PrefetchAbort`,
	`arm64_notify_die`, `bug_handler`, `brk_handler`, `call_break_hook`, `do_debug_exception`,
	`el1_dbg`, `el1_sync_handler`, `el1_abort`, `el1_da`, `el1_ia`, `el1_undef`, `el1_inv`, `handle_exception`,
	`do_trap_ebreak`, `do_trap_break`, `do_page_fault`, `program_check_exception`,
	`program_check_common`, `nmi_cpu_backtrace\w*`, `nmi_trigger_cpumask_backtrace`,
	`arch_trigger_cpumask_backtrace`, `trigger_\w+_backtrace`, `rcu_dump_cpu_stacks`, `print_cpu_stall\w*`,
	`check_cpu_stall`, `rcu_sched_clock_irq`, `rcu_pending`, `rcu_check_callbacks`, `update_process_times`,
	`tick_sched_\w+`, `tick_periodic`, `tick_handle_periodic`, `__hrtimer_run_queues`, `hrtimer_interrupt`,
	`hrtimer_run_queues`, `local_apic_timer_interrupt`, `smp_apic_timer_interrupt`, `apic_timer_interrupt`,
	`__sysvec_apic_timer_interrupt`, `sysvec_apic_timer_interrupt`, `asm_sysvec_apic_timer_interrupt`,
	`watchdog_timer_fn`, `watchdog`, `check_hung_\w+`, `hung_task\w*`, `debug_show_all_locks`,
	`kmsg_dump`, `__kmsg_dump`, `console_unlock`, `vprintk_emit`, `stack_trace_\w+`, `arch_stack_walk`,
	`save_stack\w*`, `__save_stack_trace`, `unwind_\w+`, `ftrace_\w+`, `dump_backtrace`,
	`__stack_chk_fail\w*`, `fortify_panic`, `__fortify_\w+`, `refcount_\w+`, `usercopy_\w+`,
	`__check_object_size`, `check_object_size`, `__check_heap_object`, `check_heap_object`, `__list_add_valid\w*`,
	`__list_del_entry_valid\w*`, `__list_add_report`, `__list_del_entry\w*`, `list_add\w*`, `list_del\w*`,
	`__list_add`, `__list_del`, `hlist_\w+`, `__hlist_\w+`,

	// Rust's panic machinery.
	`__rustc::\w+`, `core::panicking::[\w:]+`, `rust_helper_\w+`, `\w*rust_begin_unwind`,

	// Sanitizer runtimes.
	`kasan_\w+`, `__kasan_\w+`, `__asan_\w+`, `asan\.\w+`, `check_memory_region\w*`, `memory_is_poisoned\w*`,
	`print_address_description\w*`, `print_report`, `describe_object\w*`, `__kasan_report`, `kasan`,
	`__msan_\w+`, `kmsan_\w+`, `__kmsan_\w+`, `msan_\w+`, `kfence_\w+`, `__kfence_\w+`, `ubsan_\w+`,
	`__ubsan_\w+`, `handle_overflow`, `check_\w+_overflow`, `kcsan_\w+`, `__tsan_\w+`, `__sanitizer_\w+`,
	`__sanitizer_cov_trace_\w+`, `debug_object\w*`, `debug_print_object`,
	`__debug_object\w*`, `debug_check_no_obj_freed`, `debug_\w+_free\w*`, `slab_free\w*`, `slab_pad_check`,
	`check_bytes_and_report`, `object_err`, `free_debug_processing`, `check_object`, `check_slab`,

	// Locking and lockdep.
	`lock_acquire\w*`, `lock_release`, `__lock_acquire\w*`, `lock_acquired`, `lock_contended`,
	`lock_is_held\w*`, `lockdep_\w+`, `__lockdep_\w+`, `print_circular_bug\w*`, `check_noncircular`,
	`check_prev_add\w*`, `check_prevs_add`, `validate_chain`, `print_usage_bug`, `valid_state`, `mark_lock\w*`,
	`mark_held_locks`, `mark_usage`, `print_bad_irq_dependency`, `check_irq_usage`, `check_deadlock`,
	`print_deadlock_bug`, `__lock_release`, `lock_downgrade`, `find_held_lock`, `hlock_class`,
	`look_up_lock_class`, `register_lock_class`, `__lock_set_class`, `lock_set_class`, `print_unlock_imbalance_bug`,
	`print_held_locks_bug`, `debug_check_no_locks_\w+`, `print_lock\w*`, `__might_sleep`, `___might_sleep`,
	`__might_resched`, `__might_fault`, `might_fault`, `might_sleep`, `__cant_sleep`, `__might_sleep_\w+`,
	`check_preemption_disabled`, `debug_smp_processor_id`, `__this_cpu_preempt_check`, `lockdep_rcu_suspicious`,
	`rcu_read_lock\w*`, `rcu_read_unlock\w*`, `__rcu_read_\w+`, `rcu_lockdep_\w+`, `mutex_lock\w*`,
	`__mutex_lock\w*`, `mutex_unlock\w*`, `__mutex_unlock\w*`, `mutex_trylock\w*`, `ww_mutex_\w+`, `__ww_mutex_\w+`,
	`_raw_spin_\w+`, `raw_spin_\w+`, `spin_\w+`, `_spin_\w+`, `__raw_spin_\w+`, `do_raw_spin_\w+`,
	`queued_spin_\w+`, `native_queued_spin_\w+`, `__pv_queued_spin_\w+`, `pv_queued_spin_\w+`,
	`_raw_read_\w+`, `_raw_write_\w+`, `do_raw_read_\w+`, `do_raw_write_\w+`, `queued_read_\w+`,
	`queued_write_\w+`, `read_lock\w*`, `read_unlock\w*`, `write_lock\w*`, `write_unlock\w*`, `down_read\w*`,
	`down_write\w*`, `up_read`, `up_write`, `__down\w*`, `__up\w*`, `down`, `up`, `down_trylock`, `rwsem_\w+`,
	`__rwsem_\w+`, `percpu_down_\w+`, `percpu_up_\w+`, `__percpu_down_\w+`, `rt_mutex_\w+`, `__rt_mutex_\w+`,
	`lock_sock_nested`, `lock_sock`, `__lock_sock`, `release_sock`, `__release_sock`, `lock_timer_base`,
	`seqcount_\w+`, `__seqprop_\w+`, `__local_bh_enable_ip`, `local_bh_enable`, `_local_bh_enable`,
	`preempt_count_\w+`, `__raw_callee_save_\w+`, `atomic_\w+`, `_atomic_\w+`, `arch_atomic_\w+`,
	`raw_atomic_\w+`, `test_and_\w+_bit`, `set_bit`, `clear_bit`, `__set_bit`, `__clear_bit`,

	// Generic memory, string and container helpers.
	`mem(?:cpy|move|set|cmp|chr|scan|dup|set\d+)\w*`, `__mem(?:cpy|move|set|cmp)\w*`,
	`str(?:n?len|n?cmp|n?cpy|lcpy|scpy|n?cat|lcat|r?chr|nchr|n?str|sep|c?spn|pbrk|n?casecmp|im|replace)\w*`,
	`__str\w*`, `sized_strscpy`, `kstrdup\w*`, `kmemdup\w*`, `(?:_|__|raw_)?copy_(?:to|from|in)_(?:user|iter|kernel)\w*`,
	`copy_(?:to|from)_user\w*`, `copyin`, `copyout`, `__arch_copy_\w+`,
	`csum_partial_copy\w*`, `iov_iter_\w+`, `_copy_to_iter`, `_copy_from_iter`, `__get_user\w*`,
	`__put_user\w*`, `get_user\w*`, `put_user\w*`, `clear_user`, `__clear_user`, `fault_in_\w+`,
	`read_word_at_a_time`, `crc\w*`, `__crc\w*`, `hex_\w+`, `string\w*`, `vsnprintf`, `snprintf`, `sprintf`,
	`scnprintf`, `vscnprintf`, `sscanf`, `vsscanf`, `kvasprintf\w*`, `kasprintf`, `pointer`, `number`,
	`bitmap_\w+`, `__bitmap_\w+`, `find_\w+_bit\w*`, `_find_\w+_bit\w*`, `rb_\w+`, `__rb_\w+`, `xas_\w+`,
	`xa_\w+`, `__xa_\w+`, `idr_\w+`, `ida_\w+`, `rhashtable_\w+`,
	`__rhashtable_\w+`, `rht_\w+`, `llist_\w+`, `sort`, `sort_r`, `bsearch`, `aes_\w+`, `crypto_\w+`,

	// Memory allocation.
	`_*kmalloc\w*`, `kmem_cache_\w+`, `__kmem_cache_\w+`, `kfree\w*`, `kvfree\w*`,
	`kvmalloc\w*`, `__kvmalloc\w*`, `kzalloc\w*`, `kcalloc\w*`, `krealloc\w*`, `__krealloc\w*`, `vmalloc\w*`,
	`__vmalloc\w*`, `vzalloc\w*`, `vfree\w*`, `__vfree\w*`, `slab_\w+`, `__slab_\w+`, `___slab_\w+`,
	`new_slab`, `allocate_slab`, `cache_\w+`, `____cache_\w+`, `alloc_pages\w*`, `__alloc_pages\w*`,
	`__alloc_frozen_pages\w*`, `alloc_frozen_pages\w*`, `folio_alloc\w*`, `__folio_alloc\w*`, `get_page_from_freelist`,
	`__get_free_pages`, `get_zeroed_page`, `free_pages\w*`, `__free_pages\w*`, `__free_one_page`,
	`free_unref_page\w*`, `page_frag_\w+`, `alloc_skb\w*`, `kmem_\w+`, `kvzalloc\w*`,
	`kmalloc_node\w*`, `__kmalloc_node\w*`, `percpu_ref_\w+`, `pcpu_\w+`, `__pcpu_\w+`, `setup_object`,
	`init_object`, `should_fail\w*`, `__should_fail\w*`, `fail_dump`, `should_failslab`, `__should_failslab`,
	`memcg_\w+`, `__memcg_\w+`, `obj_cgroup_\w+`, `trace_\w+`, `__traceiter_\w+`, `perf_trace_\w+`,
	`warn_alloc\w*`,

	// Interrupt, stall-report and scheduler plumbing.
	`__x86_indirect_thunk_\w+`, `__x86_return_thunk`, `\w*apic_timer_interrupt\w*`, `handle_\w*_irq`,
	`generic_handle_\w+`, `__handle_domain_irq`, `handle_domain_irq`, `gic_handle_irq`, `arch_timer_handler_\w+`,
	`__irq_svc`, `__irq_usr`, `el1_irq`, `el1_interrupt`, `el1h_64_irq\w*`, `call_on_irq_stack`,
	`do_interrupt_handler`, `irq_exit\w*`, `unwind_backtrace`, `walk_stackframe`, `dump_cpu_task`,
	`sched_show_task`, `_sched_show_task`, `rcu_print_\w+`, `print_other_cpu_stall\w*`, `rcu_gp_\w+`,
	`rcu_\w*kthread`, `__schedule_bug`, `__panic`, `__task_rq_lock`, `task_rq_lock`, `__wake_up\w*`,
	`debug_lockdep_rcu_enabled\w*`, `osq_lock`, `osq_unlock`, `reacquire_held_locks`, `del_timer\w*`,
	`try_to_del_timer_sync`, `timer_delete\w*`, `__flush_work`, `flush_work`, `kobject_get\w*`, `kobject_put`,
	`kref_\w+`, `skb_(?:over|under)_panic`, `skb_panic`, `skb_put`, `__skb_put`, `skb_push`, `skb_pull`,
	`__skb_pull`, `work_is_static_object`, `work_fixup_\w+`, `timer_fixup_\w+`, `timer_is_static_object`,
	`__might_sleep\w*`, `kvmalloc_node\w*`, `print_context_stack`, `dump_trace`, `__kernel_text_address`,
	`kernel_text_address`, `is_bpf_text_address`, `is_ftrace_trampoline`, `panic_\w+`,
	`__schedule`, `schedule`, `schedule_timeout\w*`, `schedule_preempt_disabled`, `io_schedule\w*`,

	// Waiting, work queues and the driver core, which a bug only passes
	// through.
	`wait_for_completion\w*`, `__wait_for_common`, `wait_for_common\w*`, `complete`, `complete_all`,
	`finish_wait`, `prepare_to_wait\w*`, `mutex_remove_waiter`, `kthread_stop`, `__cancel_work\w*`,
	`cancel_\w*work_sync`, `__queue_work`, `queue_work_on`, `queue_delayed_work_on`, `try_to_grab_pending`,
	`drain_workqueue`, `destroy_workqueue`, `flush_workqueue`, `__flush_workqueue`, `kobject_\w+`, `device_del`, `device_unregister`, `device_add`, `get_device_parent`,
	`device_release_driver\w*`, `__device_release_driver`, `devres_release_all`, `add_uevent_var`,
	`rollback_registered\w*`, `sysfs_\w+`, `usb_kill_urb`, `usb_kill_anchored_urbs`, `usb_start_wait_urb`,
	`usb_control_msg`, `usb_bulk_msg`, `va_format`, `dev_vprintk_emit`, `dev_printk\w*`, `__dev_printk`,
	`_dev_(?:info|err|warn|notice|crit|alert|emerg|printk)`, `__netdev_printk`,
	`netdev_(?:info|err|warn|notice|printk)`, `__raw_(?:read|write)[bwlq]`, `(?:read|write)[bwlq]`,
	`bad_page`, `post_alloc_hook`, `__set_page_owner`, `set_page_owner`, `prep_new_page`, `check_new_page\w*`,
	`free_pages_prepare`, `free_page_is_bad\w*`, `__free_pages_ok`, `alloc_page\w*`, `__read_once\w*`,
	`usb_submit_urb`, `ref_tracker_\w+`, `kernel_fpu_begin\w*`, `assertfail`, `__reiserfs_panic`,
	`__phys_addr`, `folio_unlock`, `unlock_page`, `__kobject_\w+`, `print_hex_dump\w*`, `klist_\w+`,
	`handle_bad_stack`, `mutex_optimistic_spin`, `mutex_spin_on_owner`, `rcu_lock_acquire`,
	`rcu_lock_release`, `task_blocks_on_rt_mutex`, `\w*copy_\w*to_iter`, `copy_page_\w+_iter`,
	`_?compound_head`, `insert_work`, `free_large_kmalloc`, `cleanup_srcu_struct`, `drop_nlink`,
	`put_device`, `__hwasan_\w+`, `__mod_timer`, `mod_timer\w*`, `add_timer\w*`, `\w*del_timer\w*`,
	`fast_dput`, `mark_buffer_dirty`, `skb_panic`, `\w*copy_(?:to|from)_user\w*`, `proc_create\w*`,
	`do_tag_check_fault`, `do_tag_recovery`, `_*printk\w*`, `\w+_write_lock`, `df_debug`, `do_double_fault`, `double_fault`, `\w*kmalloc\w*`, `drbg_\w+`, `rng_setkey`, `device_for_each_child`, `\w*filemap_get_folio\w*`, `pagecache_get_page`,
	`sk_stop_timer\w*`, `cipher_crypt_one`, `\w*_(?:en|de)crypt`, `i2c_del_adapter`, `__unregister_client`,
	`unregister_netdev`, `tty_unregister_device`, `print_tainted`, `get_taint`, `iput`, `unregister_netdevice\w*`, `device_remove_\w+`,
	`device_destroy`, `device_release`, `dpm_sysfs_remove`, `hwrng_unregister`, `\w*queue_delayed_work\w*`,
	`aesti_\w+`, `find_lock_entries`, `truncate_inode_pages\w*`, `\w*timer_delete\w*`, `dput`, `\w+_noprof`,
	`__folio_put`, `folio_put`, `__page_pool_\w+`, `page_pool_\w+`, `logic_\w+`, `__vunmap`, `vunmap`, `remove_vm_area`,
}

// neverGuiltyRe matches a whole function name that is never to blame.
var neverGuiltySet = lazyNames{patterns: neverGuilty}

// waiting are the functions a hung task sleeps in: its guilty frame is
// the one that waited.
var waiting = []string{
	`schedule\w*`, `__schedule\w*`, `io_schedule\w*`, `preempt_schedule\w*`, `wait_for_completion\w*`,
	`__wait_for_common`, `wait_for_common\w*`, `do_wait_for_common`, `__wait_rcu_gp`, `wait_rcu_gp`,
	`_synchronize_rcu_expedited`,
	`wait_on_bit\w*`, `__wait_on_bit\w*`, `out_of_line_wait_on_bit\w*`, `bit_wait\w*`, `wait_woken`, `synchronize_net`,
	`__wait_event\w*`, `wait_event\w*`, `prepare_to_wait\w*`, `finish_wait`, `rwsem_down_\w+`,
	`__rwsem_down_\w+`, `rwbase_\w+`, `__flush_work\w*`, `flush_work`, `__flush_workqueue`, `flush_workqueue`,
	`drain_workqueue`, `__cancel_work_timer`, `cancel_work_sync`, `cancel_delayed_work_sync`, `kthread_stop`,
	`__kthread_\w+`, `wait_on_page_\w+`, `__wait_on_page_\w+`, `folio_wait_\w+`, `__folio_lock\w*`,
	`folio_lock\w*`, `__lock_page\w*`, `lock_page\w*`, `__lock_buffer`, `lock_buffer`, `__wait_on_buffer`,
	`wait_on_buffer`, `__bio_wait\w*`, `submit_bio_wait`, `blk_execute_rq`, `io_wait_event`, `do_nanosleep`,
	`hrtimer_nanosleep`, `freezer_\w+`, `__refrigerator`, `try_to_freeze\w*`, `__down_common`,
	`__down_interruptible`, `__down_killable`, `__down_timeout`, `down_timeout`, `down_interruptible`,
	`down_killable`, `rt_mutex_\w+`, `context_switch`, `__switch_to\w*`,
	`finish_task_switch\w*`, `ret_from_fork\w*`, `kthread`, `worker_thread`, `process_one_work`,
	`process_scheduled_works`, `smpboot_thread_fn`, `rescuer_thread`, `do_syscall_\w+`, `entry_SYSCALL\w*`,
	`call_rwsem_\w+`, `\w*fdatawait\w*`, `console_lock`, `usb_start_wait_urb`, `usb_control_msg`,
	`ldsem_\w+`, `tty_ldisc_lock\w*`, `do_read_cache_\w+`, `rcu_barrier\w*`, `context_switch`,
	`schedule_preempt_disabled`, `bit_wait_io`, `rq_qos_wait`, `wbt_wait`, `__rq_qos_throttle`,
	`_cond_resched`, `__cond_resched\w*`, `preempt_schedule\w*`, `___preempt_schedule\w*`,
}

var waitingSet = lazyNames{patterns: waiting}

// stallPlumbing are the frames a stalled CPU's stack passes through on
// its way from user space or a kernel thread to the code that stalled:
// syscall entry and exit, signal delivery, the ioctl dispatch.
var stallPlumbing = []string{
	`(?:__\w+_)?(?:compat_)?(?:sys|SyS)_ioctl`, `ksys_ioctl`, `do_vfs_ioctl`, `vfs_ioctl`, `__do_sys_ioctl`,
	`exit_to_user\w*`, `exit_to_usermode_loop`, `prepare_exit_to_usermode`, `__prepare_exit_to_usermode`,
	`syscall_exit_to_user_mode\w*`, `syscall_return_slowpath`, `irqentry_exit\w*`, `get_signal`, `do_signal`,
	`arch_do_signal_or_restart`, `do_group_exit`, `do_exit`, `x64_sys_call`, `el0_svc\w*`, `do_el0_svc`,
	`el0t_64_sync\w*`, `__irq_svc`, `ret_fast_syscall`, `handle_mm_fault`, `__handle_mm_fault`,
	`do_softirq\w*`, `__do_softirq`, `irq_exit\w*`, `invoke_softirq`, `run_ksoftirqd`,
	`net_rx_action`, `process_backlog`, `__napi_poll`, `napi_poll`, `do_idle`, `cpu_startup_entry`,
	`start_secondary`, `secondary_startup_64\w*`, `default_idle\w*`, `arch_cpu_idle`,
	`do_fast_syscall_32`, `__do_fast_syscall_32`, `do_int80_syscall_32`, `do_syscall_\w+`, `entry_\w+`,
	`sysenter_\w+`, `int_ret_from_sys_call`, `tracesys\w*`, `system_call\w*`, `invoke_syscall`,
	`el0_svc_common\w*`, `el0_svc_handler`, `el0_sync\w*`, `ret_from_fork\w*`,
}

var stallPlumbingSet = lazyNames{patterns: stallPlumbing}

// stallAnchors are the dispatchers whose callee a stall is blamed on: the
// file operation, socket call, packet handler, work item, timer, syscall
// or thread function that ran too long. The innermost frame called by one
// of them names the stall.
var stallAnchors = []string{
	`do_vfs_ioctl`, `vfs_ioctl`, `__vfs_write`, `__vfs_read`, `vfs_write`, `vfs_read`, `new_sync_read`,
	`new_sync_write`, `__fput`, `sock_sendmsg`, `__sock_sendmsg`, `sock_recvmsg`, `__netif_receive_skb_core`,
	`__netif_receive_skb_one_core`, `__netif_receive_skb_list_core`, `process_one_work`, `call_timer_fn`,
	`__run_hrtimer`, `rtnetlink_rcv_msg`, `netlink_dump`, `task_work_run`, `mmap_region`, `__do_fault`,
	`cpu_startup_entry`, `do_idle`, `do_syscall_64`, `do_syscall_32_irqs_on`, `do_fast_syscall_32`,
	`__do_fast_syscall_32`, `do_int80_syscall_32`, `invoke_syscall`, `ret_fast_syscall`, `kthread`,
	`tasklet_action_common`, `tasklet_action`, `tasklet_hi_action`, `do_one_initcall`, `el0_svc_common`,
	`entry_SYSCALL_64_fastpath`, `entry_SYSENTER_compat`, `sysenter_dispatch`, `system_call_fastpath`,
	`el0_svc_handler`, `nfnetlink_rcv_msg`, `ksys_ioctl`, `(?:__\w+_)?(?:compat_)?(?:sys|SyS)_ioctl`,
	`__se_sys_ioctl`, `__do_sys_ioctl`, `\w+_compat_ioctl`, `__sys_setsockopt`, `__sys_getsockopt`,
	`do_sock_setsockopt`, `do_sock_getsockopt`, `do_dentry_open`, `sock_common_setsockopt`, `__hrtimer_run_queues`,
	`sock_common_getsockopt`,
}

var stallAnchorSet = lazyNames{patterns: stallAnchors}

// timerInterruptRe matches the interrupt entry through which the timer
// tick that noticed a stall came in: what stalled is below it.
var timerInterruptRe = pattern{Src: `^(?:\w*apic_timer_interrupt\w*|__irq_svc|el1_irq|el1h_64_irq\w*|el1_interrupt)$`}

// An alias names several functions as one in titles: a stall in
// smp_call_function_single and one in smp_call_function_many are the
// same bug.
type alias struct {
	re   pattern
	with string
}

// aliases are applied, first match only, to a guilty frame's name.
var aliases = []alias{
	{pattern{Src: `^smp_call_function(?:_single|_many|_many_cond)?$`}, "smp_call_function"},
	{pattern{Src: `^(?:synchronize_sched|synchronize_rcu_expedited|synchronize_srcu|__synchronize_srcu|synchronize_rcu)$`}, "synchronize_rcu"},
	// Syscall entry points: "__x64_sys_rmdir" is sys_rmdir; the wrappers
	// "SyS_rmdir", "__se_sys_rmdir", "ksys_rmdir" name the call itself.
	{pattern{Src: `^__(?:x64|ia32|x32|arm64|riscv|s390x?|powerpc)_(?:compat_)?(sys_\w+)$`}, "$1"},
	{pattern{Src: `^(?:__se_|__do_|compat_|__se_compat_|k)?(?:sys|SyS)_(\w+)$`}, "$1"},
}

// canonical is the name a guilty frame goes by in titles.
func canonical(name string) string {
	name = demangle(baseName(name))
	for i := range aliases {
		a := &aliases[i]
		if re := a.re.Get(); re.MatchString(name) {
			return re.ReplaceAllString(name, a.with)
		}
	}
	return name
}

// notLeaking are the allocation wrappers a leaked object's allocation
// backtrace goes through: the leak is blamed on their caller.
var notLeaking = []string{
	`\w*alloc\w*`, `kmemleak_\w+`, `create_object`, `kstrdup\w*`, `kvasprintf\w*`, `kmemdup\w*`,
	`kobject_\w+`, `\w*_lru_init`, `sget_userns`, `debug_\w+`, `radix_tree_\w+`, `idr_\w+`, `ida_\w+`,
	`xa_\w+`, `__xa_\w+`, `sock_kmalloc`,
}

var notLeakingSet = lazyNames{patterns: notLeaking}

// baseName strips what the compiler appends to a function's name
// (".isra.0", ".constprop.3", ".part.1", ".cold"), which would split one
// function's reports under several titles.
func baseName(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 {
		return name[:i]
	}
	return name
}

// blamable reports whether a frame may be the guilty one.
func blamable(fr *Frame) bool {
	if fr.Name == "" {
		return false
	}
	base := baseName(fr.Name)
	if neverGuiltySet.has(base) {
		return false
	}
	if d := demangle(base); d != base {
		return !neverGuiltySet.has(d)
	}
	return true
}
