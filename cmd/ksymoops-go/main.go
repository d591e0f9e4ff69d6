// Command ksymoops-go makes kernel crash logs readable: it reads kernel log
// text (dmesg, syslog, journalctl, serial consoles, saved crash logs) and
// adds the symbol to every raw kernel address, as symbol+0xoff/0xsize
// [module].
package main

import "os"

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
}
