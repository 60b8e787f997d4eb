/** Who may apply: one replica at a time. */
export interface LeaderElector {
  /** Starts campaigning; resolves once the first attempt has been made. */
  start(): Promise<void>;
  isLeader(): boolean;
  /** Called on every change of leadership (true = became leader). */
  onChange(listener: (leader: boolean) => void): void;
  /** Stops renewing and releases the lease if held. */
  stop(): Promise<void>;
}

/** A single replica is always the leader. */
export class AlwaysLeader implements LeaderElector {
  private leader = false;
  private readonly listeners: Array<(leader: boolean) => void> = [];

  async start(): Promise<void> {
    this.set(true);
  }

  isLeader(): boolean {
    return this.leader;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    this.set(false);
  }

  private set(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    for (const l of this.listeners) l(leader);
  }
}
