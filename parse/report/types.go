package report

import "strings"

// A titleType gives the crash class of the titles that start with prefix
// (and, when set, contain infix).
type titleType struct {
	prefix, infix string
	typ           string
}

// titleTypes classify titles as syzkaller's dashboards do, most specific
// first. A title none of them matches has no class ("").
var titleTypes = []titleType{
	{"KASAN: null-ptr-deref", "", "KASAN-NULL-POINTER-DEREFERENCE-READ"},
	{"KASAN: invalid-free", "", "KASAN-INVALID-FREE"},
	{"KASAN: use-after-free", " Write", "KASAN-USE-AFTER-FREE-WRITE"},
	{"KASAN: slab-use-after-free", " Write", "KASAN-USE-AFTER-FREE-WRITE"},
	{"KASAN: use-after-free", "", "KASAN-USE-AFTER-FREE-READ"},
	{"KASAN: slab-use-after-free", "", "KASAN-USE-AFTER-FREE-READ"},
	{"KASAN: ", " Write", "KASAN-WRITE"},
	{"KASAN: ", "", "KASAN-READ"},
	{"KMSAN: uninit-value", "", "KMSAN-UNINIT-VALUE"},
	{"KMSAN: ", "infoleak", "KMSAN-INFO-LEAK"},
	{"KMSAN: ", "", "KMSAN"},
	{"KFENCE: use-after-free", " write", "KFENCE-USE-AFTER-FREE-WRITE"},
	{"KFENCE: use-after-free", "", "KFENCE-USE-AFTER-FREE-READ"},
	{"KFENCE: invalid free", "", "KFENCE-INVALID-FREE"},
	{"KFENCE: memory corruption", "", "KFENCE-MEMORY-CORRUPTION"},
	{"KFENCE: ", " write", "KFENCE-WRITE"},
	{"KFENCE: ", "", "KFENCE-READ"},
	{"KCSAN: data-race", "", "KCSAN-DATARACE"},
	{"KCSAN: assert", "", "KCSAN-ASSERT"},
	{"UBSAN: array-index-out-of-bounds", "", "MEMORY_SAFETY_UBSAN"},
	{"UBSAN: ", "", "UBSAN"},
	{"BUG: unable to handle kernel NULL pointer dereference", "", "NULL-POINTER-DEREFERENCE"},
	{"BUG: unable to handle kernel ", "", "MEMORY_SAFETY_BUG"},
	{"BUG: corrupted list", "", "MEMORY_SAFETY_BUG"},
	{"BUG: scheduling while atomic", "", "ATOMIC_SLEEP"},
	{"BUG: sleeping function called from invalid context", "", "ATOMIC_SLEEP"},
	{"BUG: bad usercopy", "", "BUG"},
	{"BUG: soft lockup", "", "HANG"},
	{"BUG: using ", "", "LOCKDEP"},
	{"BUG: spinlock", "", "LOCKDEP"},
	{"BUG: rwlock", "", "LOCKDEP"},
	{"BUG: bad unlock balance", "", "LOCKDEP"},
	{"BUG: held lock freed", "", "LOCKDEP"},
	{"BUG: still has locks held", "", "LOCKDEP"},
	{"BUG: Object already free", "", "DoS"},
	{"WARNING: refcount bug", "", "REFCOUNT_WARNING"},
	{"WARNING: bad unlock balance", "", "LOCKDEP"},
	{"WARNING: held lock freed", "", "LOCKDEP"},
	{"WARNING: lock held when returning", "", "LOCKDEP"},
	{"WARNING: locking bug", "", "LOCKDEP"},
	{"WARNING: nested lock was not taken", "", "LOCKDEP"},
	{"WARNING: still has locks held", "", "LOCKDEP"},
	{"WARNING: suspicious RCU usage in ", "", "LOCKDEP"},
	{"WARNING: kernel stack", "", ""},
	{"WARNING", "", "WARNING"},
	{"possible deadlock", "", "LOCKDEP"},
	{"inconsistent lock state", "", "LOCKDEP"},
	{"INFO: rcu detected stall", "", "HANG"},
	{"INFO: task ", "", "HANG"},
	{"memory leak", "", "LEAK"},
	{"kernel BUG", "", "BUG"},
	{"SYZFAIL", "", "SYZ_FAILURE"},
	{"SYZFATAL", "", "SYZ_FAILURE"},
	{"general protection fault", "", "DoS"},
	{"divide error", "", "DoS"},
	{"PANIC: double fault", "", "DoS"},
	{"stack segment fault", "", "DoS"},
	{"int3", "", "DoS"},
	{"invalid opcode", "", "DoS"},
	{"Internal error", "", "DoS"},
	{"Unhandled fault", "", "DoS"},
	{"Alignment trap", "", "DoS"},
	{"Oops", "", "DoS"},
	{"kernel panic", "", "DoS"},
	{"kernel stack overflow", "", "DoS"},
	{"VFS: ", "", "DoS"},
	{"unregister_netdevice", "", "DoS"},
}

// typeOf returns the crash class of a title, "" when it has none.
func typeOf(title string) string {
	for _, t := range titleTypes {
		if strings.HasPrefix(title, t.prefix) && strings.Contains(title[len(t.prefix):], t.infix) {
			return t.typ
		}
	}
	return ""
}
