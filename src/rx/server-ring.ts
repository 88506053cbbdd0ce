/**
 * Which server the next socket goes to. Healthy sockets stay where they are; a failure moves that
 * role's next attempt to the next seed (round robin). A NOT_LEADER redirect pins the leader's address
 * until a socket to it fails. Shared by every role of one `Lance`, so a redirect found by the control
 * socket also steers producers and consumers.
 */
export class ServerRing {
  private index = 0;
  private redirect: string | undefined;

  constructor(private readonly seeds: readonly string[]) {}

  /** The address for the next connection attempt. */
  pick(): string {
    return this.redirect ?? this.seeds[this.index % this.seeds.length]!;
  }

  /** A socket to `address` failed: move on, unless another role already did. */
  failed(address: string): void {
    if (this.redirect !== undefined) {
      if (this.redirect === address) this.redirect = undefined;
      return;
    }
    if (this.seeds[this.index % this.seeds.length] === address) this.index = (this.index + 1) % this.seeds.length;
  }

  redirectTo(address: string): void {
    this.redirect = address;
  }
}
