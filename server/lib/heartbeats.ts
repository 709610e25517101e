// When each background worker of this instance last showed it was alive (for /health/ready).
export class Heartbeats {
  private readonly beats = new Map<string, number>();
  private readonly running = new Set<string>();

  /** The worker has started (and is expected to beat from now on). */
  started(name: string): void {
    this.running.add(name);
    this.beat(name);
  }

  stopped(name: string): void {
    this.running.delete(name);
  }

  beat(name: string): void {
    this.beats.set(name, Date.now());
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  /** Milliseconds since the last beat, or null when it never beat. */
  sinceLastBeat(name: string, now = Date.now()): number | null {
    const at = this.beats.get(name);
    return at === undefined ? null : now - at;
  }
}
