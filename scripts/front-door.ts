/**
 * The port users reach under `npm start` (and the tests): a byte relay in this Node process that
 * hands each TCP connection straight to the Worker's own workerd socket, so what users get is
 * what production serves, without `wrangler dev`'s reload proxy re-sending every request and
 * response body (measured before this: a full clone 1.48× git's own server through that proxy
 * against 0.89× at the socket). HTTP/1.1, streamed bodies, Server-Sent Events and WebSocket
 * upgrades pass through untouched; the Worker builds its URLs from PLUE_PUBLIC_URL.
 *
 * When wrangler reloads the Worker its socket may move: a refused connection triggers a fresh
 * search (worker-socket.ts). Where no socket is found (not Linux) or while it is being found,
 * connections go to wrangler's own port, which holds requests during reloads.
 */
import net from 'node:net';

export interface FrontDoorOptions {
  host: string;
  port: number;
  /** wrangler dev's port (its reload proxy): always answers, a little slower. */
  wranglerPort: number;
  /** Finds the Worker's own port, or undefined. */
  find(): Promise<number | undefined>;
}

export interface FrontDoor {
  /** The port connections currently go to. */
  target(): number;
  close(): Promise<void>;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const up = net.connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true });
    up.once('connect', () => {
      up.off('error', reject);
      resolve(up);
    });
    up.once('error', reject);
  });
}

export async function startFrontDoor(opts: FrontDoorOptions): Promise<FrontDoor> {
  let target = (await opts.find()) ?? opts.wranglerPort;
  let searching: Promise<void> | undefined;
  const search = (): Promise<void> =>
    (searching ??= opts
      .find()
      .then((p) => {
        target = p ?? opts.wranglerPort;
      })
      .finally(() => {
        searching = undefined;
      }));

  /** The upstream for one connection: the Worker's socket, searched again once if refused. */
  const upstream = async (): Promise<net.Socket> => {
    try {
      return await connect(target);
    } catch {
      await search();
      try {
        return await connect(target);
      } catch {
        return connect(opts.wranglerPort);
      }
    }
  };

  const sockets = new Set<net.Socket>();
  const server = net.createServer(
    { pauseOnConnect: true, noDelay: true, allowHalfOpen: true },
    (client) => {
      sockets.add(client);
      client.once('close', () => sockets.delete(client));
      client.on('error', () => client.destroy());
      upstream().then(
        (up) => {
          sockets.add(up);
          up.once('close', () => sockets.delete(up));
          up.on('error', () => client.destroy());
          client.on('close', () => up.destroy());
          up.on('close', () => client.destroy());
          client.pipe(up);
          up.pipe(client);
          client.resume();
        },
        () => client.destroy(),
      );
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    target: () => target,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
