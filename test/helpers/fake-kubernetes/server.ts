/**
 * A loopback Kubernetes API server for the `kubernetes` sandbox backend's tests: the real paths
 * (/apis/batch/v1/namespaces/{ns}/jobs, /api/v1/namespaces/{ns}/pods, …/pods/{name}/exec,
 * …/pods/{name}/log), list and `?watch=true` as chunked JSON lines with resourceVersions, watch
 * resumption from a resourceVersion and 410 Gone (an ERROR event) for one older than the kept
 * history, DELETE with propagationPolicy (Background/Foreground delete a Job's pods, Orphan
 * leaves them, as the garbage collector does), and a job controller that makes one pod per Job
 * and starts it (or holds it Pending until the test releases it). Exec runs the command for real
 * (pod-process.ts); the kubelet's and job controller's ways of ending a pod are in kubelet.ts.
 * With `limitRangeMax` set, the job controller's pod create goes through the LimitRanger
 * (admission.ts): a refused pod is not made, and the Job gets a `FailedCreate` Warning event
 * ("Error creating: …", as the job controller records it), listed at /api/v1/…/events with
 * `fieldSelector`. `refuseNextJob` answers the next Job create with an error Status.
 * What tests need to look at is recorded: created Jobs as sent, deletions with their policy,
 * watch requests with their resourceVersion, exec commands.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { WebSocketServer } from 'ws';
import { limitRangeRefusal } from './admission';
import { FakePodRuntime } from './pod-process';
import { matchesSelector, Store, type KObject, type Kind } from './store';

const SDK_DIR = join(import.meta.dirname, '../../../runner-controller/sdk');

export interface Deletion {
  kind: Kind;
  name: string;
  propagationPolicy: string | undefined;
}

function status(code: number, reason: string, message: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason,
    message,
  };
}

export class FakeKubernetes {
  readonly store = new Store();
  readonly createdJobs: KObject[] = [];
  readonly deletions: Deletion[] = [];
  readonly watches: { kind: Kind; resourceVersion: string; labelSelector: string }[] = [];
  readonly execs: { pod: string; command: string[] }[] = [];
  /** Watches answered with 410 Gone. */
  expired = 0;
  /** While true, new pods stay Pending (scheduling, image pull) until `releasePods()`. */
  holdPods = false;
  /** The sandbox namespace's LimitRange `max` per Container (e.g. { memory: '8Gi' }), if any. */
  limitRangeMax: Record<string, string> | undefined;
  /** The answer to the next Job create (then cleared), e.g. a 403 for a full quota. */
  refuseNextJob: { code: number; reason: string; message: string } | undefined;
  /** Events (core/v1), oldest first. */
  readonly events: Record<string, unknown>[] = [];
  /** The pods' processes, by pod name. */
  readonly runtimes = new Map<string, FakePodRuntime>();
  private readonly open = new Set<ServerResponse>();
  private readonly root = mkdtempSync(join(tmpdir(), 'plue-fake-kube-'));
  private server!: Server;
  url = '';

  static async start(): Promise<FakeKubernetes> {
    const fake = new FakeKubernetes();
    await fake.listen();
    return fake;
  }

  /** A client configuration pointing at this server. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'controller', token: 'fake-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'controller', namespace: 'plue-sandbox' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** End every watch stream (as a dropped connection or an API server restart does). */
  dropWatches(): void {
    for (const res of this.open) res.destroy();
    this.open.clear();
  }

  /** Start the pods held Pending. */
  releasePods(): void {
    this.holdPods = false;
    for (const pod of this.store.objects.Pod.values()) {
      if (pod.status?.phase === 'Pending') this.startPod(pod);
    }
  }

  /** The pod's own directories (its emptyDir volumes). */
  podDirs(name: string): FakePodRuntime['dirs'] | undefined {
    return this.runtimes.get(name)?.dirs;
  }

  /** The pod a Job made (the job controller's `job-name` label). */
  podOf(job: string): KObject | undefined {
    return [...this.store.objects.Pod.values()].find(
      (p) => p.metadata.labels?.['job-name'] === job,
    );
  }

  async close(): Promise<void> {
    for (const rt of this.runtimes.values()) rt.killAll();
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.root, { recursive: true, force: true });
  }

  private async listen(): Promise<void> {
    const wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) =>
        protocols.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false,
    });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.send(res, 500, status(500, 'InternalError', String(err)));
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const m = /^\/api\/v1\/namespaces\/[^/]+\/pods\/([^/]+)\/exec$/.exec(url.pathname);
      const runtime = m?.[1] ? this.runtimes.get(m[1]) : undefined;
      if (!m?.[1] || !runtime) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      const command = url.searchParams.getAll('command');
      this.execs.push({ pod: m[1], command });
      wss.handleUpgrade(req, socket, head, (ws) =>
        runtime.exec(ws, command, url.searchParams.get('stdin') === 'true'),
      );
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && /^\/api\/v1\/namespaces\/[^/]+\/events$/.test(url.pathname)) {
      return this.listEvents(res, url.searchParams.get('fieldSelector') ?? '');
    }
    const m =
      /^\/(?:api\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/(jobs|pods)(?:\/([^/]+))?(?:\/(log))?$/.exec(
        url.pathname,
      );
    if (!m) return this.send(res, 404, status(404, 'NotFound', `no route ${url.pathname}`));
    const [, ns = '', plural, name, sub] = m;
    const kind: Kind = plural === 'jobs' ? 'Job' : 'Pod';
    if (url.pathname.startsWith('/apis/batch/v1') !== (kind === 'Job')) {
      return this.send(res, 404, status(404, 'NotFound', 'wrong group'));
    }
    const body = await readBody(req);
    if (sub === 'log') return this.log(res, name ?? '');
    if (name === undefined && req.method === 'GET') return this.list(req, res, kind, url);
    if (name === undefined && req.method === 'POST' && kind === 'Job') {
      return this.createJob(res, ns, JSON.parse(body) as KObject);
    }
    const obj = name ? this.store.objects[kind].get(name) : undefined;
    if (!obj || !name)
      return this.send(res, 404, status(404, 'NotFound', `${plural} "${name}" not found`));
    if (req.method === 'GET') return this.send(res, 200, obj);
    if (req.method === 'DELETE') {
      const opts = body ? (JSON.parse(body) as { propagationPolicy?: string }) : {};
      const policy = url.searchParams.get('propagationPolicy') ?? opts.propagationPolicy;
      this.deletions.push({ kind, name, propagationPolicy: policy });
      this.remove(obj, policy);
      return this.send(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
      });
    }
    return this.send(res, 405, status(405, 'MethodNotAllowed', req.method ?? ''));
  }

  private list(req: IncomingMessage, res: ServerResponse, kind: Kind, url: URL): void {
    const selector = url.searchParams.get('labelSelector') ?? '';
    const apiVersion = kind === 'Job' ? 'batch/v1' : 'v1';
    if (url.searchParams.get('watch') !== 'true') {
      const items = [...this.store.objects[kind].values()].filter((o) =>
        matchesSelector(o.metadata.labels, selector),
      );
      return this.send(res, 200, {
        kind: `${kind}List`,
        apiVersion,
        metadata: { resourceVersion: this.store.resourceVersion },
        items,
      });
    }
    const from = url.searchParams.get('resourceVersion') ?? '';
    this.watches.push({ kind, resourceVersion: from, labelSelector: selector });
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const line = (type: string, object: unknown) =>
      res.write(`${JSON.stringify({ type, object })}\n`);
    const replay = from === '' || from === '0' ? [] : this.store.since(kind, Number(from));
    if (replay === undefined) {
      this.expired++;
      line('ERROR', status(410, 'Expired', `too old resource version: ${from}`));
      res.end();
      return;
    }
    for (const e of replay)
      if (matchesSelector(e.object.metadata.labels, selector)) line(e.type, e.object);
    const unsubscribe = this.store.subscribe((k, e) => {
      if (k === kind && matchesSelector(e.object.metadata.labels, selector)) line(e.type, e.object);
    });
    this.open.add(res);
    const done = () => {
      unsubscribe();
      this.open.delete(res);
    };
    res.on('close', done);
    req.on('close', done);
  }

  /** The pod log: the main process of a sandbox pod only waits, so it is empty. */
  private log(res: ServerResponse, name: string): void {
    if (!this.store.objects.Pod.has(name))
      return this.send(res, 404, status(404, 'NotFound', name));
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end();
  }

  /** Events whose fields match every `a=b` term (involvedObject.kind, .name, reason, type). */
  private listEvents(res: ServerResponse, selector: string): void {
    const field = (e: Record<string, unknown>, path: string): unknown =>
      path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], e);
    const terms = selector
      .split(',')
      .filter(Boolean)
      .map((t) => t.split(/==?/) as [string, string]);
    const items = this.events.filter((e) => terms.every(([k, v]) => field(e, k) === v));
    this.send(res, 200, {
      kind: 'EventList',
      apiVersion: 'v1',
      metadata: { resourceVersion: this.store.resourceVersion },
      items,
    });
  }

  /** Record an event on an object, as a controller's event recorder does. */
  recordEvent(ns: string, kind: Kind, name: string, type: string, reason: string, message: string) {
    const now = new Date().toISOString();
    this.events.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace: ns },
      involvedObject: { kind, name, namespace: ns },
      reason,
      message,
      type,
      source: { component: 'job-controller' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }

  private createJob(res: ServerResponse, ns: string, job: KObject): void {
    if (this.store.objects.Job.has(job.metadata.name)) {
      return this.send(res, 409, status(409, 'AlreadyExists', job.metadata.name));
    }
    const refusal = this.refuseNextJob;
    if (refusal) {
      this.refuseNextJob = undefined;
      return this.send(res, refusal.code, status(refusal.code, refusal.reason, refusal.message));
    }
    this.createdJobs.push(structuredClone(job));
    const stored = this.store.write('ADDED', {
      ...job,
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...job.metadata, namespace: ns },
    });
    this.send(res, 201, stored);
    // The job controller: one pod from the template.
    const template = (job.spec?.template ?? {}) as {
      metadata?: { labels?: Record<string, string> };
      spec?: Record<string, unknown>;
    };
    const generateName = `${job.metadata.name}-`;
    const refused = this.limitRangeMax
      ? limitRangeRefusal({ metadata: { generateName }, spec: template.spec }, this.limitRangeMax)
      : undefined;
    if (refused) {
      const name = job.metadata.name;
      this.recordEvent(ns, 'Job', name, 'Warning', 'FailedCreate', `Error creating: ${refused}`);
      return;
    }
    const podName = `${generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    this.runtimes.set(podName, new FakePodRuntime(join(this.root, podName), SDK_DIR));
    const pod = this.store.write('ADDED', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: ns,
        labels: {
          ...template.metadata?.labels,
          'job-name': job.metadata.name,
          'batch.kubernetes.io/job-name': job.metadata.name,
        },
        ownerReferences: [{ kind: 'Job', name: job.metadata.name, uid: stored.metadata.uid ?? '' }],
      },
      ...(template.spec ? { spec: template.spec } : {}),
      status: { phase: 'Pending' },
    });
    if (!this.holdPods) setImmediate(() => this.startPod(pod));
  }

  private startPod(pod: KObject): void {
    const current = this.store.objects.Pod.get(pod.metadata.name);
    if (!current || current.status?.phase !== 'Pending') return;
    this.store.write('MODIFIED', {
      ...current,
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'step',
            ready: true,
            state: { running: { startedAt: new Date().toISOString() } },
          },
        ],
      },
    });
  }

  /** Delete an object as the API server and garbage collector do (a Job's pods by `policy`). */
  remove(obj: KObject, policy: string | undefined): void {
    this.store.write('DELETED', obj);
    if (obj.kind === 'Pod') {
      this.runtimes.get(obj.metadata.name)?.killAll();
      return;
    }
    // The garbage collector: Jobs deleted through the API orphan their pods unless asked not to.
    if (policy !== 'Background' && policy !== 'Foreground') return;
    for (const pod of [...this.store.objects.Pod.values()]) {
      if (
        pod.metadata.ownerReferences?.some((o) => o.kind === 'Job' && o.name === obj.metadata.name)
      ) {
        this.remove(pod, policy);
      }
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
