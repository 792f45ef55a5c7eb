/**
 * Per-user cooldown: at most one expensive request per `seconds` per user. In memory;
 * `now` is injectable so tests need no timers.
 */
export class Cooldown {
  private readonly last = new Map<string, number>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: { seconds: number; now?: () => number }) {
    if (!Number.isFinite(options.seconds) || options.seconds < 0) {
      throw new RangeError(`Cooldown: seconds must be a non-negative number, got ${options.seconds}`);
    }
    this.windowMs = options.seconds * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Takes a slot for `userId` if one is free; otherwise says how long to wait. */
  take(userId: string): { ok: true } | { ok: false; retryAfterMs: number } {
    if (this.windowMs === 0) return { ok: true };
    const now = this.now();
    const previous = this.last.get(userId);
    if (previous !== undefined && now - previous < this.windowMs) {
      return { ok: false, retryAfterMs: this.windowMs - (now - previous) };
    }
    this.last.set(userId, now);
    if (this.last.size > 10_000) this.prune(now);
    return { ok: true };
  }

  private prune(now: number): void {
    for (const [user, at] of this.last) if (now - at >= this.windowMs) this.last.delete(user);
  }
}
