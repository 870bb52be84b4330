/**
 * The parts of Swarm's task and node objects Berth reads, checked at the boundary (the Docker
 * API hands them over untyped). Unknown fields are dropped; a malformed object is skipped by
 * the caller rather than trusted.
 */
import { z } from 'zod';

const PortStatus = z.object({
  Protocol: z.string().optional(),
  TargetPort: z.number().optional(),
  PublishedPort: z.number().optional(),
});

export const TaskSchema = z.object({
  ID: z.string(),
  ServiceID: z.string(),
  NodeID: z.string().optional(),
  Slot: z.number().optional(),
  CreatedAt: z.string(),
  DesiredState: z.string(),
  Status: z.object({
    Timestamp: z.string().optional(),
    State: z.string(),
    Message: z.string().optional(),
    Err: z.string().optional(),
    ContainerStatus: z.object({
      ContainerID: z.string().optional(),
      PID: z.number().optional(),
      ExitCode: z.number().optional(),
    }).optional(),
    PortStatus: z.object({ Ports: z.array(PortStatus).optional() }).optional(),
  }),
});

export type Task = z.output<typeof TaskSchema>;

export const NodeSchema = z.object({
  ID: z.string(),
  Description: z.object({ Hostname: z.string().optional() }).optional(),
  Status: z.object({ State: z.string().optional(), Addr: z.string().optional() }).optional(),
  ManagerStatus: z.object({ Addr: z.string().optional() }).optional(),
});

export type SwarmNode = z.output<typeof NodeSchema>;

/** Parses what the API returned, keeping the objects that have the expected shape. */
export function parseAll<T>(schema: z.ZodType<T>, raw: unknown): T[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * The address the edge uses for a node: its reported address, or for a manager that reports
 * 0.0.0.0 the address of its manager endpoint. `overrides` (hostname or node id → address)
 * win, for swarms whose nodes talk over a network the edge host does not reach.
 */
export function nodeAddress(node: SwarmNode, overrides: Record<string, string> = {}): string {
  const hostname = node.Description?.Hostname;
  const override = overrides[node.ID] ?? (hostname !== undefined ? overrides[hostname] : undefined);
  if (override) return override;
  const addr = node.Status?.Addr;
  if (addr && addr !== '0.0.0.0') return addr;
  const manager = node.ManagerStatus?.Addr;
  if (manager) return manager.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return addr ?? '';
}
