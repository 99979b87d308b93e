"""Synthetic console logs for the split and title tests: real report shapes (x86_64
KASAN, WARN with panic_on_warn, oopses with the exec-summary re-print, hung tasks, RCU
stalls, lockdep) with the noise found in real captures around and inside them."""

KASAN_TAGGED = """\
[   10.000000][    T1] systemd[1]: Started Journal Service.
[   11.000001][ T5001] ==================================================================
[   11.000002][ T5001] BUG: KASAN: use-after-free in icmp_send+0x1a/0x200
[   11.000003][ T5001] Read of size 8 at addr ffff88801234abcd by task syz-executor.3/5001
[   11.000004][ T5001]
[   11.000005][ T5001] CPU: 1 PID: 5001 Comm: syz-executor.3 Not tainted 6.1.0-syzkaller #0
[   11.000006][   T42] usb 1-1: new high-speed USB device number 2 using dummy_hcd
[   11.000007][ T5001] Hardware name: Google Google Compute Engine/Google Compute Engine
[   11.000008][ T5001] Call Trace:
[   11.000009][ T5001]  <TASK>
[   11.000010][ T5001]  dump_stack_lvl+0x1e3/0x2cb
[   11.000011][   T42]  some_other_task_frame+0x10/0x20
[   11.000012][ T5001]  print_report+0x15f/0x4f0
[   11.000013][ T5001]  kasan_report+0x136/0x160
[   11.000014][ T5001]  ? icmp_send+0x1a/0x200
[   11.000015][ T5001]  icmp_send+0x1a/0x200
[   11.000016][ T5001]  ip_options_compile+0x30/0x40
[   11.000017][ T5001]  __x64_sys_sendmsg+0x7a/0x90
[   11.000018][ T5001]  do_syscall_64+0x3d/0xb0
[   11.000019][ T5001]  entry_SYSCALL_64_after_hwframe+0x63/0xcd
[   11.000020][ T5001]  </TASK>
[   11.000021][ T5001]
[   11.000022][ T5001] Allocated by task 4999:
[   11.000023][ T5001]  kasan_save_stack+0x22/0x40
[   11.000024][ T5001]  __kmalloc+0x20/0x40
[   11.000025][ T5001]  ip_setup_cork+0x10/0x20
[   11.000026][ T5001]
[   11.000027][ T5001] Freed by task 4998:
[   11.000028][ T5001]  kasan_save_stack+0x22/0x40
[   11.000029][ T5001]  kfree+0x10/0x20
[   11.000030][ T5001]  ip_cork_release+0x10/0x20
[   11.000031][ T5001] ==================================================================
[   12.000000][   T42] usb 1-1: device descriptor read/64, error -71
"""

WARN_PANIC_ON_WARN = """\
[   20.100000] ------------[ cut here ]------------
[   20.100001] WARNING: CPU: 0 PID: 3000 at net/core/dev.c:1234 dev_close_many+0x2a/0x300
[   20.100002] Modules linked in:
[   20.100003] Kernel panic - not syncing: panic_on_warn set ...
[   20.100004] CPU: 0 PID: 3000 Comm: syz-executor.0 Not tainted 5.10.0 #1
[   20.100005] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)
[   20.100006] Call Trace:
[   20.100007]  dump_stack+0x107/0x163
[   20.100008]  panic+0x343/0x7e6
[   20.100009]  __warn.cold+0x20/0x2e
[   20.100010]  report_bug+0x1bd/0x210
[   20.100011]  handle_bug+0x3c/0x60
[   20.100012]  exc_invalid_op+0x14/0x40
[   20.100013]  asm_exc_invalid_op+0x12/0x20
[   20.100014] RIP: 0010:dev_close_many+0x2a/0x300
[   20.100015] Code: 48 89 e5 41 57 <0f> 0b 48 8b 45 00
[   20.100016] RSP: 0018:ffffc90001a2f9e8 EFLAGS: 00010293
[   20.100017]  dev_close+0x1a/0x30
[   20.100018]  bond_release+0x10/0x20
[   20.100019]  do_syscall_64+0x2d/0x70
[   20.100020]  entry_SYSCALL_64_after_hwframe+0x44/0xa9
[   20.100021] Kernel Offset: disabled
[   20.100022] Rebooting in 86400 seconds..
"""

# Two oopses on one boot; after the second `---[ end trace` x86 re-prints the FIRST
# oops' registers (the exec summary), which must not open a third report.
TWO_OOPSES = """\
[    5.000000] random: crng init done
[   13.000001] BUG: kernel NULL pointer dereference, address: 0000000000000000
[   13.000002] #PF: supervisor instruction fetch in kernel mode
[   13.000003] Oops: 0010 [#1] PREEMPT SMP NOPTI
[   13.000004] CPU: 0 PID: 97 Comm: dd Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2
[   13.000005] RIP: 0010:0x0
[   13.000006] Code: Unable to access opcode bytes at 0xffffffffffffffd6.
[   13.000007] RSP: 0018:ffffc90000503a40 EFLAGS: 00000282
[   13.000008] Call Trace:
[   13.000009]  <TASK>
[   13.000010]  cl_null_call+0x37/0x60 [crashlab]
[   13.000011]  cl_trigger+0x100/0x120 [crashlab]
[   13.000012]  vfs_write+0xc7/0x3f0
[   13.000013]  </TASK>
[   13.000014] Modules linked in: crashlab(OE)
[   13.000015] CR2: 0000000000000000
[   13.000016] ---[ end trace 0000000000000000 ]---
[   13.000017] RIP: 0010:0x0
[   13.000018] Code: Unable to access opcode bytes at 0xffffffffffffffd6.
[   13.000019] RSP: 0018:ffffc90000503a40 EFLAGS: 00000282
[   13.000020] note: dd[97] exited with irqs disabled
[   13.500000] crashlab-run: step 2 end rc=137
sh: write error: Connection timed out
[   14.000001] general protection fault, probably for non-canonical address 0xdead000000000430: 0000 [#2] PREEMPT SMP NOPTI
[   14.000002] CPU: 0 PID: 99 Comm: sh Tainted: G      D    OE      6.1.0-56-amd64 #1  Debian 6.1.192-2
[   14.000003] RIP: 0010:cl_wild_read+0x17/0x20 [crashlab]
[   14.000004] Code: 48 b8 00 01 00 00 00 00 ad de <48> 8b 00 c3
[   14.000005] RSP: 0018:ffffc900003bbef8 EFLAGS: 00000246
[   14.000006] Call Trace:
[   14.000007]  <TASK>
[   14.000008]  cl_trigger+0xa5/0x120 [crashlab]
[   14.000009]  kthread+0xda/0x100
[   14.000010]  ret_from_fork+0x22/0x30
[   14.000011]  </TASK>
[   14.000012] Modules linked in: crashlab(OE)
[   14.000013] ---[ end trace 0000000000000000 ]---
[   14.000014] RIP: 0010:0x0
[   14.000015] Code: Unable to access opcode bytes at 0xffffffffffffffd6.
[   14.000016] RSP: 0018:ffffc90000503a40 EFLAGS: 00000282
[   14.000017] RAX: 0000000000000000 RBX: ffff888005f58180 RCX: 0000000000000001
[   14.000018] CR2: ffffffffffffffd6 CR3: 000000000611c000 CR4: 00000000000006f0
[   14.000019] Kernel panic - not syncing: Fatal exception
[   14.000020] Kernel Offset: disabled
[   14.000021] ---[ end Kernel panic - not syncing: Fatal exception ]---
[   15.000000] crashlab-run: step 3 end rc=1
"""

NO_REPORT = """\
[    0.000000] Linux version 6.1.0 (gcc 12) #1 SMP
[    0.100000] WARNING: /etc/ssh/moduli does not exist, using fixed modulus
[    0.200000] INFO: lockdep is turned off.
[    0.300000] skb_over_panic: text that only looks like a header
[    1.000000] EXT4-fs (sda1): mounted filesystem with ordered data mode
Debian GNU/Linux 12 host ttyS0
"""

# Two tasks crash at the same time; their lines interleave.
INTERLEAVED = """\
[  100.000001][ T100] ------------[ cut here ]------------
[  100.000002][ T100] WARNING: CPU: 0 PID: 100 at fs/inode.c:10 iput_bad+0x1/0x10
[  100.000003][ T200] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580
[  100.000004][ T100] Modules linked in:
[  100.000005][ T200] in_atomic(): 1, irqs_disabled(): 0, pid: 200, name: syz-executor.1
[  100.000006][ T100] RIP: 0010:iput_bad+0x1/0x10
[  100.000007][ T200] Call Trace:
[  100.000008][ T100] Call Trace:
[  100.000009][ T200]  dump_stack+0x10/0x20
[  100.000010][ T100]  evict_inodes+0x10/0x20
[  100.000011][ T200]  __might_resched+0x10/0x20
[  100.000012][ T100]  generic_shutdown_super+0x10/0x20
[  100.000013][ T200]  mutex_lock_nested+0x10/0x20
[  100.000014][ T100]  kill_anon_super+0x10/0x20
[  100.000015][ T200]  tun_chr_ioctl+0x10/0x20
[  100.000016][ T100] ---[ end trace 0000000000000000 ]---
[  100.000017][ T200]  __x64_sys_ioctl+0x10/0x20
"""

SYSLOG_OOPS = """\
Nov 25 01:02:00 web1 kernel: [ 5000.100000] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex
Nov 25 01:02:03 web1 kernel: [ 5001.000001] BUG: unable to handle page fault for address: ffffffffc0ffee00
Nov 25 01:02:03 web1 kernel: [ 5001.000002] #PF: supervisor read access in kernel mode
Nov 25 01:02:03 web1 kernel: [ 5001.000003] Oops: 0000 [#1] SMP PTI
Nov 25 01:02:03 web1 kernel: [ 5001.000004] RIP: 0010:ext4_readdir+0x21/0x400
Nov 25 01:02:03 web1 kernel: [ 5001.000005] Call Trace:
Nov 25 01:02:03 web1 kernel: [ 5001.000006]  iterate_dir+0x10/0x20
Nov 25 01:02:03 web1 kernel: [ 5001.000007]  __x64_sys_getdents64+0x10/0x20
Nov 25 01:02:03 web1 kernel: [ 5001.000008]  do_syscall_64+0x10/0x20
Nov 25 01:02:03 web1 kernel: [ 5001.000009] ---[ end trace 1234567890abcdef ]---
Nov 25 01:02:04 web1 sshd[999]: Accepted publickey for root
"""

HUNG_TASK = """\
[  400.000001] INFO: task kworker/0:1:12 blocked for more than 143 seconds.
[  400.000002]       Not tainted 5.15.0 #1
[  400.000003] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
[  400.000004] task:kworker/0:1     state:D stack:26024 pid:   12 ppid:     2 flags:0x00004000
[  400.000005] Call Trace:
[  400.000006]  __schedule+0x10/0x20
[  400.000007]  schedule+0x10/0x20
[  400.000008]  schedule_preempt_disabled+0x10/0x20
[  400.000009]  __mutex_lock+0x10/0x20
[  400.000010]  rtnl_lock+0x10/0x20
[  400.000011]  addrconf_dad_work+0x10/0x20
[  400.000012]  process_one_work+0x10/0x20
"""

RCU_STALL = """\
[  500.000001] rcu: INFO: rcu_preempt self-detected stall on CPU
[  500.000002] rcu: 	0-....: (10500 ticks this GP) idle=a1c/1/0x4000000000000000
[  500.000003] NMI backtrace for cpu 0
[  500.000004] Call Trace:
[  500.000005]  <IRQ>
[  500.000006]  rcu_dump_cpu_stacks+0x10/0x20
[  500.000007]  update_process_times+0x10/0x20
[  500.000008]  </IRQ>
[  500.000009]  <TASK>
[  500.000010]  asm_sysvec_apic_timer_interrupt+0x12/0x20
[  500.000011] RIP: 0010:__sanitizer_cov_trace_pc+0x10/0x60
[  500.000012]  hash_ipport_add+0x10/0x20
[  500.000013]  ip_set_ad+0x10/0x20
[  500.000014]  nfnetlink_rcv_msg+0x10/0x20
[  500.000015]  netlink_rcv_skb+0x10/0x20
"""

LOCKDEP = """\
[  600.000001] ======================================================
[  600.000002] WARNING: possible circular locking dependency detected
[  600.000003] 5.10.0 #1 Not tainted
[  600.000004] ------------------------------------------------------
[  600.000005] syz-executor.2/7000 is trying to acquire lock:
[  600.000006] ffff8880a1b2c3d0 (&tun->lock){+.+.}-{3:3}, at: tun_device_event+0x10/0x20
[  600.000007]
[  600.000008] but task is already holding lock:
[  600.000009] ffffffff8a1b2c3d (rtnl_mutex){+.+.}-{3:3}, at: rtnl_lock+0x17/0x20
[  600.000010]
[  600.000011] which lock already depends on the new lock.
[  600.000012]
[  600.000013] stack backtrace:
[  600.000014] Call Trace:
[  600.000015]  dump_stack+0x10/0x20
[  600.000016]  __lock_acquire+0x10/0x20
[  600.000017]  tun_device_event+0x10/0x20
"""

HARD_LOCKUP = """\
[  700.000001] NMI watchdog: Watchdog detected hard LOCKUP on cpu 1
[  700.000002] Modules linked in: e1000
[  700.000003] CPU: 1 PID: 812 Comm: stress Not tainted 5.15.0-91-generic #101-Ubuntu
[  700.000004] RIP: 0010:native_queued_spin_lock_slowpath+0x13d/0x200
[  700.000005] RSP: 0018:ffffb3c8c0e3bd50 EFLAGS: 00000046
[  700.000006] Call Trace:
[  700.000007]  <NMI>
[  700.000008]  watchdog_overflow_callback.cold+0x1e/0x70
[  700.000009]  </NMI>
[  700.000010]  <TASK>
[  700.000011]  _raw_spin_lock_irqsave+0x3d/0x50
[  700.000012]  mydrv_poll+0x31/0x90 [mydrv]
[  700.000013]  vfs_read+0x9c/0x1a0
[  700.000014]  ksys_read+0x67/0xf0
[  700.000015]  do_syscall_64+0x59/0xc0
[  700.000016]  </TASK>
[  700.000017] Kernel panic - not syncing: Hard LOCKUP
[  700.000018] Kernel Offset: 0x2a000000 from 0xffffffff81000000
"""

S390_FAULT = """\
[   42.100001] Unable to handle kernel pointer dereference in virtual kernel address space
[   42.100002] Failing address: 0000000000000000 TEID: 0000000000000483
[   42.100003] Fault in home space mode while using kernel ASCE.
[   42.100004] Oops: 0004 ilc:3 [#1] SMP
[   42.100005] Modules linked in: test(O)
[   42.100006] CPU: 1 PID: 1234 Comm: insmod Tainted: G           O      5.10.0 #1
[   42.100007] Hardware name: IBM 3906 M04 704 (z/VM 7.1.0)
[   42.100008] Krnl PSW : 0704e00180000000 000003ff80012345 (test_init+0x20/0x1000 [test])
[   42.100009]            R:0 T:1 IO:1 EX:1 Key:0 M:1 W:0 P:0 AS:3 CC:2 PM:0 RI:0 EA:3
[   42.100010] Call Trace:
[   42.100011]  [<000003ff80012345>] test_init+0x20/0x1000 [test]
[   42.100012] ([<000003ff80012340>] test_init+0x1c/0x1000 [test])
[   42.100013]  [<0000000000100a7c>] do_one_initcall+0x3c/0x200
[   42.100014] Last Breaking-Event-Address:
[   42.100015]  [<000003ff80012340>] test_init+0x1c/0x1000 [test]
[   42.100016] ---[ end trace 0000000000000002 ]---
[   43.200000] Low-address protection: 0004 ilc:2 [#2] SMP
[   43.200001] Krnl PSW : 0704c00180000000 0000000000412345 (lowcore_poke+0x8/0x20)
[   43.200002] Call Trace:
[   43.200003]  [<0000000000412345>] lowcore_poke+0x8/0x20
[   43.200004]  [<0000000000100a7c>] do_one_initcall+0x3c/0x200
[   43.200005] ---[ end trace 0000000000000003 ]---
"""

KMEMLEAK = """\
unreferenced object 0xffff888012345678 (size 32):
  comm "modprobe", pid 321, jiffies 4294937296 (age 12.340s)
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace:
    [<000000001234abcd>] kmalloc_trace+0x26/0x60
    [<000000002345bcde>] foo_create+0x30/0x80 [foo]
    [<000000003456cdef>] foo_probe+0x10/0x40 [foo]
unreferenced object 0xffff888012349999 (size 64):
  comm "modprobe", pid 321, jiffies 4294937300 (age 12.300s)
  backtrace:
    [<000000001234abcd>] __kmalloc+0x26/0x60
    [<000000004567def0>] bar_init+0x30/0x80 [foo]
"""
