/**
 * The `system` log line a replica's state change deserves (what `berth logs` shows between
 * the app's own lines), or undefined when the change is not news. Pure.
 */
import type { TaskView } from './task-state.js';

export interface Narration {
  text: string;
  level: 'info' | 'warn';
}

export function narrate(before: TaskView, after: TaskView, restartDelayMs: number): Narration | undefined {
  const moved = after.host !== before.host || after.port !== before.port;
  if (after.state === before.state && !(after.state === 'running' && moved) && after.reason === before.reason) return undefined;
  const task = after.taskId ? ` (task ${after.taskId.slice(0, 12)})` : '';
  switch (after.state) {
    case 'running':
      return { text: `running on ${after.host}:${after.port}${task}`, level: 'info' };
    case 'backoff':
      return { text: `${after.reason ?? 'exited'}; Swarm restarts it in ${restartDelayMs}ms`, level: 'warn' };
    case 'crashloop':
      return { text: after.reason ?? 'crash loop', level: 'warn' };
    case 'starting':
      return after.reason ? { text: `waiting to start: ${after.reason}`, level: 'warn' } : { text: `starting${task}`, level: 'info' };
    default:
      return undefined;
  }
}
