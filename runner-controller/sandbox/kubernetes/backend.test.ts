// The kubernetes backend against a loopback API server (test/helpers/fake-kubernetes) that
// speaks the real paths and watch semantics and runs each exec for real in a bubblewrap sandbox
// shaped like the step pod: the Job it creates, output, exit status, environment and workspace,
// masking through runStep, cancel and timeout deleting the Job, eviction, the warm pool and its
// refill, and the pod watch resuming after a dropped stream and relisting after 410 Gone.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { BatchV1Api, type V1Job, type V1Status } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { policyProblems } from '../../../deploy/policy';
import { validateObject, type K8sObject } from '../../../deploy/render';
import { evict } from '../../../test/helpers/fake-kubernetes/kubelet';
import { FakeKubernetes } from '../../../test/helpers/fake-kubernetes/server';
import type { ExecutorEvent } from '../../executor/events';
import { maskPatterns } from '../../executor/masker';
import { workflowPlanSchema } from '../../executor/plan';
import { runPlan } from '../../executor/run-plan';
import { evaluateWorkflows } from '../../evaluate';
import { runStep } from '../../executor/run-step';
import type { OutputStream, RunSpec } from '../types';
import { DEFAULT_STEP_LIMITS, describeLimits } from '../limits';
import { selectBackend } from '../select';
import { KubernetesBackend, stepScript } from './backend';
import { DEFAULT_SETTINGS, parseBytes, settingsFromEnv, type KubernetesSettings } from './config';
import { labelValue } from './job-manifest';
import { exitCodeOf } from './pod-exec';

let fake: FakeKubernetes;
const backends: KubernetesBackend[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fake = await FakeKubernetes.start();
});
afterEach(async () => {
  fake.holdPods = false;
  await Promise.all(backends.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await fake.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function backend(settings: Partial<KubernetesSettings> = {}, id = `ctl-${backends.length}`) {
  const b = new KubernetesBackend({
    kubeConfig: fake.kubeConfig(),
    settings: { ...DEFAULT_SETTINGS, warmPool: 0, warmPoolNetwork: 0, ...settings },
    controllerId: id,
    log: () => undefined,
  });
  backends.push(b);
  return b;
}

function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'plue-k8s-ws-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function collect() {
  const chunks: { stream: OutputStream; text: string }[] = [];
  return {
    chunks,
    text: (s?: OutputStream) =>
      chunks
        .filter((c) => !s || c.stream === s)
        .map((c) => c.text)
        .join(''),
    onOutput: (stream: OutputStream, chunk: Uint8Array) => {
      chunks.push({ stream, text: Buffer.from(chunk).toString() });
    },
  };
}

function spec(cwd: string, cmd: string, extra: Partial<RunSpec> = {}): RunSpec {
  return {
    cmd,
    cwd,
    env: {},
    timeoutMs: 60_000,
    network: false,
    onOutput: () => undefined,
    ...extra,
  };
}

describe('kubernetes backend', () => {
  it('creates a Job with every required security field, valid against the schemas and policy', async () => {
    const b = backend();
    expect((await b.check()).ok).toBe(true);
    const before = fake.createdJobs.length;
    const res = await b.run(
      spec(workspace(), 'true', { network: true, memoryBytes: 512 * 1024 ** 2 }),
    );
    expect(res.exitCode).toBe(0);
    const job = fake.createdJobs[before] as unknown as V1Job;
    const pod = job.spec?.template.spec;
    const c = pod?.containers[0];
    if (!pod || !c) throw new Error('no pod template');
    expect(pod.runtimeClassName).toBe('gvisor');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.resources?.limits).toEqual({
      cpu: '2000m',
      memory: '512Mi',
      'ephemeral-storage': '4096Mi',
    });
    expect(pod.volumes?.find((v) => v.name === 'workspace')?.emptyDir?.sizeLimit).toBe('4096Mi');
    // A cold pod's Job ends by itself after the longest step, even if the controller is gone.
    expect(job.spec?.activeDeadlineSeconds).toBe(6 * 3600);
    expect(job.spec?.template.metadata?.labels?.['plue.dev/network']).toBe('allowed');
    // Writable only where the step's files go: emptyDir volumes, no host paths, no other mounts.
    expect(c.volumeMounts?.map((m) => [m.name, m.mountPath, m.readOnly ?? false])).toEqual([
      ['workspace', '/workspace', false],
      ['tmp', '/tmp', false],
      ['run', '/run/plue', false],
    ]);
    expect(pod.volumes?.every((v) => v.emptyDir && Object.keys(v).length === 2)).toBe(true);
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.dnsPolicy).toBe('None');
    const obj = job as unknown as K8sObject;
    expect(await validateObject(obj)).toEqual([]);
    expect(policyProblems([obj]).filter((p) => p.startsWith('Job/'))).toEqual([]);
    // The step's Job is gone, and its pod with it (Background propagation).
    const name = job.metadata?.name;
    expect(fake.deletions).toContainEqual({ kind: 'Job', name, propagationPolicy: 'Background' });
    expect(
      [...fake.store.objects.Pod.values()].some((p) => p.metadata.labels?.['job-name'] === name),
    ).toBe(false);
    // A step that declared no network gets a pod the egress NetworkPolicy does not select.
    await b.run(spec(workspace(), 'true'));
    const closed = fake.createdJobs.at(-1) as unknown as V1Job;
    expect(closed.spec?.template.metadata?.labels?.['plue.dev/network']).toBe('none');
  });

  it('streams stdout and stderr apart, gives the exit status, only the step environment, and the workspace both ways', async () => {
    const b = backend();
    const ws = workspace({ 'input.txt': 'from the controller\n' });
    const out = collect();
    const res = await b.run(
      spec(
        ws,
        'echo out; echo err >&2; cat input.txt; id -u; env | sort; echo made > made.txt; rm input.txt; exit 3',
        {
          env: { GREETING: "it's here" },
          onOutput: out.onOutput,
        },
      ),
    );
    expect(res.exitCode).toBe(3);
    expect(out.text('stderr')).toBe('err\n');
    const stdout = out.text('stdout');
    expect(stdout).toMatch(/^out\nfrom the controller\n1001\n/);
    expect(stdout).toContain("GREETING=it's here\n");
    expect(stdout).toContain('HOME=/workspace\n');
    // The container's own environment (service variables) does not reach the step.
    expect(stdout).not.toContain('KUBERNETES_SERVICE_HOST');
    expect(readFileSync(join(ws, 'made.txt'), 'utf8')).toBe('made\n');
    expect(existsSync(join(ws, 'input.txt'))).toBe(false);
    expect(res.outputBytes).toBe(Buffer.byteLength(out.text()));
  });

  it('carries a workspace of several MiB both ways byte for byte', async () => {
    const ws = workspace();
    const data = randomBytes(6 * 1024 * 1024);
    writeFileSync(join(ws, 'blob'), data);
    const out = collect();
    const res = await backend().run(
      spec(ws, 'sha256sum blob | cut -c1-64; cp blob copy', { onOutput: out.onOutput }),
    );
    expect(res.exitCode).toBe(0);
    expect(out.text()).toBe(`${createHash('sha256').update(data).digest('hex')}\n`);
    expect(readFileSync(join(ws, 'copy')).equals(data)).toBe(true);
  });

  it('caps output and counts what it drops', async () => {
    const out = collect();
    const res = await backend().run(
      spec(workspace(), 'head -c 100000 /dev/zero | tr "\\0" x', {
        maxOutputBytes: 1000,
        onOutput: out.onOutput,
      }),
    );
    expect(res.exitCode).toBe(0);
    expect(out.text()).toBe('x'.repeat(1000));
    expect(res.droppedBytes).toBe(99_000);
  });

  it('masks secrets and batches events through runStep as locally', async () => {
    const events: ExecutorEvent[] = [];
    const outcome = await runStep({
      step: {
        id: 's',
        name: 's',
        type: 'run',
        cmd: 'echo "token=$TOKEN"; echo done >&2',
        network: false,
        depends_on: [],
        env: {},
        secrets: [],
        continue_on_error: false,
      } as never,
      backend: backend(),
      workspace: workspace(),
      env: { TOKEN: 'hunter2-secret-value' },
      notices: [],
      maskPatterns: maskPatterns(['hunter2-secret-value']),
      timeoutMs: 60_000,
      batchMs: 50,
      batchBytes: 65536,
      signal: new AbortController().signal,
      emit: async (e) => {
        events.push(e);
      },
    });
    expect(outcome.status).toBe('success');
    const text = JSON.stringify(events);
    expect(text).toContain('token=***');
    expect(text).not.toContain('hunter2');
    const seqs = events.flatMap((e) => (e.type === 'step_output' ? [e.seq] : []));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('deletes the Job (Background) when the step is cancelled', async () => {
    const b = backend();
    const abort = new AbortController();
    const out = collect();
    const running = b.run(
      spec(workspace(), 'echo started; sleep 60; echo never', {
        signal: abort.signal,
        onOutput: (s, c) => {
          out.onOutput(s, c);
          if (out.text().includes('started')) abort.abort();
        },
      }),
    );
    const res = await running;
    expect(res).toMatchObject({ cancelled: true, timedOut: false, exitCode: null });
    expect(out.text()).not.toContain('never');
    const job = fake.createdJobs.at(-1)?.metadata.name;
    expect(fake.deletions).toContainEqual({
      kind: 'Job',
      name: job,
      propagationPolicy: 'Background',
    });
  });

  it('deletes the Job when the step times out', async () => {
    const res = await backend().run(spec(workspace(), 'sleep 60', { timeoutMs: 500 }));
    expect(res).toMatchObject({ timedOut: true, cancelled: false, exitCode: null });
    const job = fake.createdJobs.at(-1)?.metadata.name;
    expect(fake.deletions).toContainEqual({
      kind: 'Job',
      name: job,
      propagationPolicy: 'Background',
    });
  });

  it('says why when the pod is evicted (disk past its limit)', async () => {
    const b = backend();
    const out = collect();
    const running = b.run(
      spec(workspace(), 'echo filling; sleep 60', {
        onOutput: (s, c) => {
          out.onOutput(s, c);
          const job = fake.createdJobs.at(-1)?.metadata.name;
          const pod = [...fake.store.objects.Pod.values()].find(
            (p) => p.metadata.labels?.['job-name'] === job,
          );
          if (pod)
            evict(
              fake,
              pod.metadata.name,
              'Pod ephemeral local storage usage exceeds the total limit of containers 4Gi.',
            );
        },
      }),
    );
    // Past its disk limit, as the local backend reports it, with the kubelet's words in the log.
    const res = await running;
    expect(res.diskExceededBytes).toBe(DEFAULT_SETTINGS.limits.ephemeralBytes);
    expect(out.text('stderr')).toContain('Evicted: Pod ephemeral local storage usage exceeds');
  });

  it('maps limits to the pod and says which do not hold', () => {
    const b = backend();
    const { limits, notHeld } = b.limitsFor({ memoryBytes: 1024 ** 3, cpus: 0.5, pidsMax: 100 });
    expect(limits).toMatchObject({ memoryBytes: 1024 ** 3, cpus: 0.5 });
    expect(notHeld.join()).toMatch(/process limit \(100\) does not hold.*podPidsLimit/);
    // The controller's default is reported once at start, not on every step.
    expect(b.limitsFor({ pidsMax: DEFAULT_SETTINGS.pidsMax }).notHeld).toEqual([]);
    expect(describeLimits(DEFAULT_STEP_LIMITS, b.limitSupport)).toEqual([
      'memory 2 GiB per step: holds (set by the backend)',
      'pids 2048 per step: DOES NOT HOLD: ' +
        "Kubernetes has no per-pod process limit: the sandbox node pool's podPidsLimit bounds each pod",
      'cpu 2 per step: holds (set by the backend)',
    ]);
  });
});

describe('warm pool', () => {
  it('runs a step on a warm pod while new pods cannot start, and refills after the claim', async () => {
    const b = backend({ warmPool: 2 });
    await b.check();
    await expect.poll(() => b.pool.readyCount(false)).toBe(2);
    const warm = [...b.pool.created];
    fake.holdPods = true;
    const out = collect();
    const res = await b.run(spec(workspace(), 'echo warm', { onOutput: out.onOutput }));
    expect(res.exitCode).toBe(0);
    expect(out.text()).toBe('warm\n');
    const used = fake.deletions.at(-1)?.name;
    expect(warm).toContain(used);
    // The claim started a replacement, held Pending; once it starts the pool is full again.
    expect(b.pool.created.length).toBe(3);
    expect(b.pool.readyCount(false)).toBe(1);
    fake.releasePods();
    await expect.poll(() => b.pool.readyCount(false)).toBe(2);
  });

  it('gives a step with other limits or another image a cold pod of its own', async () => {
    const b = backend({ warmPool: 1 });
    await b.check();
    await expect.poll(() => b.pool.readyCount(false)).toBe(1);
    await b.run(spec(workspace(), 'true', { memoryBytes: 256 * 1024 ** 2 }));
    const job = fake.createdJobs.at(-1) as unknown as {
      metadata: { labels: Record<string, string> };
    };
    expect(job.metadata.labels['plue.dev/pool']).toBe('cold');
    expect(b.pool.readyCount(false)).toBe(1);
    // Evaluation (read-only, smaller limits) takes the warm pod instead of waiting for a cold one.
    const before = fake.createdJobs.length;
    await b.run(
      spec(workspace(), 'true', { memoryBytes: 256 * 1024 ** 2, workspaceReadOnly: true }),
    );
    expect((fake.createdJobs[before] as unknown as V1Job).metadata?.labels?.['plue.dev/pool']).toBe(
      'warm',
    );
    await expect.poll(() => b.pool.readyCount(false)).toBe(1);
    // So does a workflow with an image of its own, which its pod runs.
    await b.run(spec(workspace(), 'true', { image: 'registry.example/build:3' }));
    const imaged = fake.createdJobs.at(-1) as unknown as V1Job;
    expect(imaged.metadata?.labels?.['plue.dev/pool']).toBe('cold');
    expect(imaged.spec?.template.spec?.containers[0]?.image).toBe('registry.example/build:3');
  });

  it('keeps watching after the server drops the stream, and relists after 410 Gone', async () => {
    const b = backend({ warmPool: 1 }, 'watcher');
    await b.check();
    await expect.poll(() => b.pool.readyCount(false)).toBe(1);
    const mine = () =>
      fake.watches.filter((w) => w.labelSelector === 'plue.dev/controller=watcher');
    const first = mine().length;
    fake.dropWatches();
    // A dropped stream ends the watch either cleanly (resumed at once) or with an error (the
    // pool restarts the informer after a second): both resume from the last resourceVersion.
    await expect.poll(() => mine().length, { timeout: 10_000 }).toBeGreaterThan(first);
    // Resumed from where it was, not from a fresh list.
    expect(Number(mine().at(-1)?.resourceVersion)).toBeGreaterThan(0);
    // A claim and the refill are seen through the resumed watch.
    await b.run(spec(workspace(), 'true'));
    await expect.poll(() => b.pool.readyCount(false)).toBe(1);

    // Writes this controller does not see move the server on; compaction then forgets the
    // history its watch would resume from.
    await fake
      .kubeConfig()
      .makeApiClient(BatchV1Api)
      .createNamespacedJob({
        namespace: 'plue-sandbox',
        body: {
          metadata: { name: 'other', labels: { 'plue.dev/controller': 'other' } },
          spec: { template: { spec: { containers: [] } } },
        },
      });
    const compactedAt = Number(fake.store.resourceVersion);
    fake.store.compact();
    const expired = fake.expired;
    fake.dropWatches();
    await expect.poll(() => fake.expired, { timeout: 10_000 }).toBeGreaterThan(expired);
    // After 410 Gone it listed again and watches from the list's resourceVersion.
    await expect
      .poll(() => mine().some((w) => Number(w.resourceVersion) >= compactedAt), { timeout: 10_000 })
      .toBe(true);
    await b.run(spec(workspace(), 'true'));
    await expect.poll(() => b.pool.readyCount(false)).toBe(1);
  });
});

describe('the controller paths on the kubernetes backend', () => {
  it('evaluates a workflow file in a pod (SDK from the image, the event copied to /run/plue)', async () => {
    const ws = workspace();
    mkdirSync(join(ws, '.plue/workflows'), { recursive: true });
    writeFileSync(
      join(ws, '.plue/workflows/ci.py'),
      'from plue import workflow, push\n@workflow(triggers=[push(branches=["main"])])\n' +
        'def ci(ctx):\n    b = ctx.run(name="build", cmd="echo built > out.txt")\n' +
        '    ctx.run(name="check", cmd="cat out.txt", depends_on=[b])\n',
    );
    const b = backend({ warmPool: 1 });
    const event = { type: 'push', repo: 'a/b', ref: 'refs/heads/main', sha: 'c'.repeat(40) };
    const [result] = await evaluateWorkflows({ workspace: ws, event, backend: b });
    if (!result || !('workflows' in result)) throw new Error(JSON.stringify(result));
    const plan = result.workflows[0];
    expect(plan?.matched).toBe(true);
    expect(plan?.steps?.map((st) => st.name)).toEqual(['build', 'check']);
    // The plan runs: the second step sees what the first left in the shared workspace.
    const events: ExecutorEvent[] = [];
    const summary = await runPlan({
      plan: workflowPlanSchema.parse(plan),
      backend: b,
      workspace: ws,
      batchMs: 20,
      onEvent: (e) => {
        events.push(e);
      },
    });
    expect(summary.conclusion, JSON.stringify(events)).toBe('success');
    expect(JSON.stringify(events)).toContain('built\\n');
  });
});

describe('selectBackend with PLUE_SANDBOX_BACKEND=kubernetes', () => {
  it('uses the cluster of KUBECONFIG, and refuses to start when the API cannot be reached', async () => {
    const dir = workspace();
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, fake.kubeConfig().exportConfig());
    const env = {
      PLUE_SANDBOX_BACKEND: 'kubernetes',
      KUBECONFIG: kubeconfig,
      PLUE_K8S_WARM_POOL: '0',
      PLUE_K8S_WARM_POOL_NETWORK: '0',
      PLUE_STEP_MEMORY_MB: '1024',
    };
    const { backend: chosen, detail } = await selectBackend({ env });
    expect(chosen).toBeInstanceOf(KubernetesBackend);
    backends.push(chosen as KubernetesBackend);
    expect(detail).toContain(`kubernetes at ${fake.url}`);
    expect((chosen as KubernetesBackend).limitsFor({}).limits.memoryBytes).toBe(1024 ** 3);

    const dead = join(dir, 'dead');
    writeFileSync(dead, fake.kubeConfig().exportConfig().replace(fake.url, 'http://127.0.0.1:1'));
    await expect(
      selectBackend({ env: { ...env, KUBECONFIG: dead, PLUE_ALLOW_UNSANDBOXED: '1' } }),
    ).rejects.toThrow(/kubernetes sandbox backend is not usable/);
    await expect(selectBackend({ env: { PLUE_SANDBOX_BACKEND: 'docker' } })).rejects.toThrow(
      /local or kubernetes/,
    );
  });
});

describe('settings and status parsing', () => {
  it('reads sizes and refuses malformed or random ones', () => {
    expect(parseBytes('2Gi')).toBe(2 * 1024 ** 3);
    expect(parseBytes('512Mi')).toBe(512 * 1024 ** 2);
    expect(parseBytes('1G')).toBe(1e9);
    expect(parseBytes('1000')).toBe(1000);
    for (const bad of ['', 'Gi', '2Gii', '-1Gi', '2 GB', '2Gi'.slice(0, 2) + 'x']) {
      expect(() => parseBytes(bad), bad).toThrow(/not a size/);
    }
    for (let i = 0; i < 200; i++) {
      const text = randomBytes(1 + (i % 12)).toString('latin1');
      try {
        expect(Number.isFinite(parseBytes(text))).toBe(true);
      } catch (err) {
        expect(String(err)).toMatch(/not a size/);
      }
    }
    expect(() => settingsFromEnv({ PLUE_K8S_WARM_POOL: '-2' })).toThrow(/whole number/);
    expect(() => settingsFromEnv({ PLUE_STEP_CPUS: 'lots' })).toThrow(/positive number/);
  });

  it('reads exit codes from exec statuses, truncated and random ones included', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '42' }] },
      }),
    ).toBe(42);
    expect(exitCodeOf({ status: 'Failure', details: { causes: [{ reason: 'ExitCode' }] } })).toBe(
      null,
    );
    expect(exitCodeOf({ status: 'Failure', message: 'container not found' })).toBe(null);
    for (let i = 0; i < 200; i++) {
      const junk = JSON.parse(
        JSON.stringify({
          status: randomBytes(2).toString('hex'),
          details: { causes: [{ reason: 'ExitCode', message: randomBytes(3).toString('latin1') }] },
        }),
      ) as V1Status;
      const code = exitCodeOf(junk);
      expect(code === null || Number.isInteger(code)).toBe(true);
    }
  });

  it('quotes the step script so nothing in the command or environment is expanded early', () => {
    const script = stepScript(`echo "$X" '$(id)'`, { X: `a'b $(reboot) \`x\``, 'BAD-NAME': 'y' });
    expect(script).toContain(`'X=a'\\''b $(reboot) \`x\`'`);
    expect(script).not.toContain('BAD-NAME');
    expect(labelValue('host.example/pod:1_')).toBe('host.example-pod-1');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
  });
});
