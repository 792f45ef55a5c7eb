import type http from "node:http";
import type { Socket } from "node:net";
import { ipKeyGenerator } from "express-rate-limit";

export interface ConnectionBudget {
  /** Open connections at most (MAX_CONNECTIONS). */
  total: number;
  /** Open connections from one address at most (MAX_CONNECTIONS_PER_ADDRESS; IPv6 by /56, as the rate limiter counts). */
  perAddress: number;
}

export type ConnectionEvent = { kind: "evicted" | "refused"; address: string; scope: "address" | "total" };

/**
 * A connection that has sent no request for this long after opening (or since its last response)
 * may be closed to make room. A real client sends its request at once, so it is never the one to
 * go; and a flood that reconnects as fast as it is dropped churns at most `perAddress` sockets a
 * second instead of spinning the server.
 */
export const IDLE_GRACE_MS = 1_000;

/**
 * Keeps the connection cap from being filled by one client. Node's own `maxConnections` refuses
 * every newcomer once the cap is reached, so 512 idle sockets from one client would lock every
 * other client out, health checks included. Here a connection that would exceed its address's
 * share or the total makes room instead: the oldest connection idle for over IDLE_GRACE_MS goes
 * (of that address, or of the address holding the most), and only when none is (all are serving
 * a request, or just opened) is the newcomer refused. An idle flood thus only ever displaces
 * itself, and /healthz and /readyz stay answerable.
 */
export function budgetConnections(server: http.Server, budget: ConnectionBudget, onEvent: (event: ConnectionEvent) => void = () => {}): { open(): number } {
  /** Open sockets by address, oldest first (a Set keeps insertion order). */
  const byAddress = new Map<string, Set<Socket>>();
  const busy = new Map<Socket, number>();
  /** When each socket opened or last finished a response: how long it has been idle. */
  const idleSince = new Map<Socket, number>();
  let open = 0;

  const oldestIdle = (sockets: Set<Socket>) => {
    const now = Date.now();
    let found: Socket | undefined;
    for (const socket of sockets) {
      if (busy.has(socket)) continue;
      if (now - idleSince.get(socket)! >= IDLE_GRACE_MS && (!found || idleSince.get(socket)! < idleSince.get(found)!)) found = socket;
    }
    return found;
  };
  /** The oldest idle socket of the address holding the most sockets that has one. */
  const idleOfLargest = () => {
    let found: Socket | undefined;
    let size = 0;
    for (const sockets of byAddress.values()) {
      if (sockets.size <= size) continue;
      const idle = oldestIdle(sockets);
      if (idle) [found, size] = [idle, sockets.size];
    }
    return found;
  };

  /** Forgets a socket at once (an evicted one closes later; it must not be picked twice). */
  const release = (socket: Socket, address: string) => {
    const sockets = byAddress.get(address);
    if (!sockets?.delete(socket)) return;
    open--;
    busy.delete(socket);
    idleSince.delete(socket);
    if (sockets.size === 0) byAddress.delete(address);
  };
  const addressOf = new WeakMap<Socket, string>();
  const evict = (victim: Socket) => {
    release(victim, addressOf.get(victim)!);
    victim.destroy();
  };

  server.on("connection", (socket: Socket) => {
    const address = ipKeyGenerator(socket.remoteAddress ?? "unknown");
    const mine = byAddress.get(address);
    const scope = mine && mine.size >= budget.perAddress ? "address" : open >= budget.total ? "total" : undefined;
    if (scope) {
      const victim = scope === "address" ? oldestIdle(mine!) : idleOfLargest();
      onEvent({ kind: victim ? "evicted" : "refused", address, scope });
      if (!victim) return void socket.destroy();
      evict(victim);
    }
    if (!byAddress.has(address)) byAddress.set(address, new Set());
    byAddress.get(address)!.add(socket);
    addressOf.set(socket, address);
    idleSince.set(socket, Date.now());
    open++;
    socket.once("close", () => release(socket, address));
  });

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once("close", () => {
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) busy.set(socket, left);
      else if (busy.delete(socket)) idleSince.set(socket, Date.now());
    });
  });

  return { open: () => open };
}
