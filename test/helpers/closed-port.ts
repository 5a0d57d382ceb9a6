// A loopback port nothing listens on: what a wrong --base-url looks like (connection refused).
import { once } from "node:events";
import { createServer } from "node:net";

export async function closedPort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, "close");
  return port;
}
