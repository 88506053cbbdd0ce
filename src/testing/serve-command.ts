export async function serveMain(_argv: string[]): Promise<void> {}
