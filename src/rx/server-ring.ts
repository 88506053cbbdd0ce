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

  /**
   * The address for the next connection attempt. `skip` names servers this attempt must not go to
   * (their TLS certificate was refused): the next seed not skipped is picked, or `undefined` when
   * every seed is skipped.
   */
  pick(skip?: (address: string) => boolean): string | undefined {
    if (this.redirect !== undefined && !skip?.(this.redirect)) return this.redirect;
    for (let i = 0; i < this.seeds.length; i++) {
      const address = this.seeds[(this.index + i) % this.seeds.length]!;
      if (!skip?.(address)) return address;
    }
    return undefined;
  }

  /** Whether every seed (and the redirect, if any) is skipped by `skip`. */
  exhausted(skip: (address: string) => boolean): boolean {
    return this.pick(skip) === undefined;
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
