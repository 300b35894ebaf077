import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** This process's lease owner id: `<host>|<pid>|<random>` (the random part tells two apps in one process apart). */
export function newOwnerId(): string {
  return `${hostname()}|${process.pid}|${randomBytes(4).toString('hex')}`;
}

/** Whether a process id is alive on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Owners that are dead processes on this machine: their runs can be taken over at once, without waiting for the lease. */
export function deadOwners(owners: readonly string[]): string[] {
  const host = hostname();
  return owners.filter((o) => {
    const [h, pid] = o.split('|');
    const n = Number(pid);
    return h === host && Number.isInteger(n) && n !== process.pid && !alive(n);
  });
}
