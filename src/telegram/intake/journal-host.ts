import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * This machine's boot and PID namespace (Linux): two processes with the same key see each other's pids, so a
 * missing pid means a dead process. Containers get their own namespace; other hosts and reboots a new boot id.
 * `null` where it cannot be known (no /proc): dead owners are then only detected by lease expiry.
 */
export function localHostKey(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    if (!boot || !pidNamespace) return null;
    return `${hostname()}|${boot}|${pidNamespace}`;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists on this machine (a signal-0 probe). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}
