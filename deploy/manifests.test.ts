/**
 * The Kubernetes manifests in deploy/ are rendered with kustomize (kubectl's built-in), every
 * object is validated against the Kubernetes OpenAPI schemas (kubernetes-models), and Plue's
 * security rules (policy.ts) must hold; each rule is also shown to fail on a manifest that
 * breaks it. The images' Dockerfiles are checked against the code: what they COPY exists, their
 * esbuild bundle commands build, and the ports they expose are the Deployments' ports.
 * No cluster is needed. Without kubectl the rendering tests skip, except in CI, where they fail.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildJob } from '../runner-controller/sandbox/kubernetes/job-manifest';
import {
  DEFAULT_SETTINGS,
  parseBytes,
  settingsFromEnv,
} from '../runner-controller/sandbox/kubernetes/config';
import { deploymentEnv, policyProblems, podTemplates } from './policy';
import {
  kubectlAvailable,
  objectId,
  parseManifests,
  renderKustomization,
  validateObject,
  type K8sObject,
} from './render';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const BASE = join(ROOT, 'deploy/base');
const PRODUCTION = join(ROOT, 'deploy/overlays/production');
const haveKubectl = await kubectlAvailable();
if (!haveKubectl && process.env.CI) {
  throw new Error('kubectl (with its built-in kustomize) is needed to render deploy/ in CI');
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const obj = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) throw new Error(`${kind}/${name} not rendered`);
  return obj;
}

/** The controller's generated sandbox ConfigMap (its name carries kustomize's hash). */
function sandboxConfig(objects: K8sObject[]): Record<string, string> {
  const map = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('plue-runner-controller-'),
  );
  if (!map) throw new Error('ConfigMap plue-runner-controller not rendered');
  return map.data as Record<string, string>;
}

/** A Kubernetes CPU quantity (`2`, `500m`) in CPUs. */
function cpus(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

/** The first container of a Deployment's pod template, for mutating copies. */
function container(objects: K8sObject[], name: string): Record<string, unknown> {
  const pod = podTemplates([find(objects, 'Deployment', name)])[0];
  if (!pod?.spec.containers[0]) throw new Error(`Deployment/${name} has no container`);
  return pod.spec.containers[0] as unknown as Record<string, unknown>;
}

describe.skipIf(!haveKubectl)('deploy/ manifests', () => {
  let base: K8sObject[];
  let production: K8sObject[];
  beforeAll(async () => {
    [base, production] = await Promise.all([
      renderKustomization(BASE),
      renderKustomization(PRODUCTION),
    ]);
  });

  it('render every object the runbook names, with the production values', () => {
    const ids = production.map(objectId);
    for (const id of [
      'Namespace/plue',
      'Namespace/plue-sandbox',
      'Deployment/plue/plue-ssh-bridge',
      'Service/plue/plue-ssh-bridge',
      'PodDisruptionBudget/plue/plue-ssh-bridge',
      'Deployment/plue/plue-runner-controller',
      'ServiceAccount/plue/plue-runner-controller',
      'Role/plue-sandbox/plue-runner-controller',
      'RoleBinding/plue-sandbox/plue-runner-controller',
      'PodDisruptionBudget/plue/plue-runner-controller',
      'NetworkPolicy/plue-sandbox/default-deny',
      'ResourceQuota/plue-sandbox/plue-sandbox',
      'LimitRange/plue-sandbox/plue-sandbox',
    ]) {
      expect(ids).toContain(id);
    }
    expect(find(base, 'RuntimeClass', 'gvisor').handler).toBe('runsc');
    // GKE Sandbox installs its own RuntimeClass `gvisor`; the overlay must not clash with it.
    expect(production.some((o) => o.kind === 'RuntimeClass')).toBe(false);
    expect(container(production, 'plue-ssh-bridge').image).toBe('REGISTRY/plue-ssh-bridge:VERSION');
    const service = find(production, 'Service', 'plue-ssh-bridge');
    expect(service.spec).toMatchObject({
      type: 'LoadBalancer',
      ports: [{ port: 22, targetPort: 'ssh' }],
    });
  });

  it('run steps as pods on gVisor in the sandbox namespace, from the production settings', async () => {
    const env = deploymentEnv(production, find(production, 'Deployment', 'plue-runner-controller'));
    expect(env).toMatchObject({
      PLUE_SANDBOX_BACKEND: 'kubernetes',
      PLUE_K8S_NAMESPACE: 'plue-sandbox',
      PLUE_K8S_RUNTIME_CLASS: 'gvisor',
      PLUE_K8S_STEP_IMAGE: 'REGISTRY/plue-step:VERSION',
    });
    // The pods the controller would start with these settings (job-manifest.ts), with and
    // without network, hold to the schemas, the rules, and the sandbox's LimitRange.
    const settings = settingsFromEnv(env);
    const range = (
      find(production, 'LimitRange', 'plue-sandbox').spec as {
        limits: { type: string; max: Record<string, string> }[];
      }
    ).limits.find((l) => l.type === 'Container')?.max;
    if (!range) throw new Error('no Container max in the LimitRange');
    // The controller knows the LimitRange's max, so a step asking for more fails before any Job.
    expect(settings.maxLimits).toEqual({
      memoryBytes: parseBytes(String(range.memory)),
      cpus: cpus(String(range.cpu)),
      ephemeralBytes: parseBytes(String(range['ephemeral-storage'])),
    });
    // The program's own defaults are the manifests' (a controller started without them).
    expect(DEFAULT_SETTINGS.maxLimits).toEqual(settings.maxLimits);
    const egress = find(production, 'NetworkPolicy', 'allow-public-egress').spec as {
      podSelector: { matchLabels: Record<string, string> };
    };
    for (const network of [false, true]) {
      const job = buildJob({
        name: 'plue-step-check',
        settings,
        controller: 'plue-runner-controller-0',
        pool: 'warm',
        network,
        limits: settings.limits,
        deadlineSeconds: settings.warmIdleSeconds + 6 * 3600,
      }) as unknown as K8sObject;
      expect(job.metadata.namespace).toBe('plue-sandbox');
      expect(await validateObject(job)).toEqual([]);
      expect(policyProblems([...production, job])).toEqual([]);
      const pod = podTemplates([job])[0];
      expect(pod?.spec.runtimeClassName).toBe('gvisor');
      expect(pod?.spec.containers[0]?.image).toBe('REGISTRY/plue-step:VERSION');
      const limits = pod?.spec.containers[0]?.resources?.limits ?? {};
      expect(parseBytes(String(limits.memory))).toBeLessThanOrEqual(
        parseBytes(String(range.memory)),
      );
      expect(cpus(String(limits.cpu))).toBeLessThanOrEqual(cpus(String(range.cpu)));
      expect(parseBytes(String(limits['ephemeral-storage']))).toBeLessThanOrEqual(
        parseBytes(String(range['ephemeral-storage'])),
      );
      // Only a step that declared network is one the egress policy lets out.
      const selected = Object.entries(egress.podSelector.matchLabels).every(
        ([k, v]) => pod?.labels[k] === v,
      );
      expect(selected).toBe(network);
    }
  });

  it('point envFrom at ConfigMaps that are rendered', () => {
    const maps = new Set(production.filter((o) => o.kind === 'ConfigMap').map(objectId));
    for (const pod of podTemplates(production)) {
      for (const c of pod.spec.containers) {
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef) {
            expect(maps).toContain(`ConfigMap/${pod.namespace}/${from.configMapRef.name}`);
          }
        }
      }
    }
  });

  it('give the bridge and the controller each its own credential, from its own Secret', () => {
    const secretEnv = (name: string) => {
      const c = container(production, name) as {
        env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
      };
      return (c.env ?? [])
        .filter((e) => e.valueFrom?.secretKeyRef)
        .map((e) => ({ variable: e.name, secret: e.valueFrom?.secretKeyRef?.name }));
    };
    // Each Deployment reads only its own Secret, and of the component credentials only its own.
    const credentials = (name: string) =>
      secretEnv(name)
        .map((e) => e.variable)
        .filter((v) => /^PLUE_.*SECRET/.test(v));
    for (const [name, own] of [
      ['plue-ssh-bridge', 'PLUE_BRIDGE_SECRET'],
      ['plue-runner-controller', 'PLUE_CONTROLLER_SECRET'],
    ] as const) {
      expect(new Set(secretEnv(name).map((e) => e.secret)), name).toEqual(new Set([name]));
      expect(credentials(name), name).toEqual([own]);
    }
    // Neither pod mounts the other's Secret as a volume either.
    const volumes = (name: string) =>
      (podTemplates([find(production, 'Deployment', name)])[0]?.spec.volumes ?? [])
        .map((v) => v.secret?.secretName)
        .filter((v) => v !== undefined);
    expect(volumes('plue-runner-controller')).not.toContain('plue-ssh-bridge');
    expect(volumes('plue-ssh-bridge')).not.toContain('plue-runner-controller');
  });

  it('validate against the Kubernetes OpenAPI schemas', async () => {
    for (const objects of [base, production]) {
      const problems = (await Promise.all(objects.map(validateObject))).flat();
      expect(problems).toEqual([]);
    }
  });

  it('keep every security rule', () => {
    expect(policyProblems(base)).toEqual([]);
    expect(policyProblems(production)).toEqual([]);
  });

  it('fail the rules when a security field is dropped or loosened', () => {
    const cases: [string, (objects: K8sObject[]) => void][] = [
      [
        'root filesystem is not read-only',
        (o) => {
          (
            container(o, 'plue-ssh-bridge').securityContext as Record<string, unknown>
          ).readOnlyRootFilesystem = false;
        },
      ],
      [
        'does not drop ALL capabilities',
        (o) => {
          (
            container(o, 'plue-runner-controller').securityContext as Record<string, unknown>
          ).capabilities = { drop: ['NET_RAW'] };
        },
      ],
      [
        'runAsNonRoot is not true',
        (o) => {
          const pod = podTemplates([find(o, 'Deployment', 'plue-ssh-bridge')])[0];
          if (pod?.spec.securityContext) delete pod.spec.securityContext.runAsNonRoot;
        },
      ],
      [
        'seccomp profile is not RuntimeDefault',
        (o) => {
          const pod = podTemplates([find(o, 'Deployment', 'plue-ssh-bridge')])[0];
          if (pod?.spec.securityContext)
            pod.spec.securityContext.seccompProfile = { type: 'Unconfined' };
        },
      ],
      [
        'runtimeClassName is not gvisor',
        (o) => {
          const pod = podTemplates([find(o, 'Deployment', 'plue-runner-controller')])[0];
          if (pod) delete pod.spec.runtimeClassName;
        },
      ],
      [
        'runs on gVisor without a CPU limit',
        (o) => {
          const limits = (
            container(o, 'plue-runner-controller').resources as Record<
              string,
              Record<string, string>
            >
          ).limits;
          if (limits) delete limits.cpu;
        },
      ],
      [
        'automountServiceAccountToken is not set explicitly',
        (o) => {
          const pod = podTemplates([find(o, 'Deployment', 'plue-ssh-bridge')])[0];
          if (pod) delete pod.spec.automountServiceAccountToken;
        },
      ],
      [
        'grants verb update on pods',
        (o) => {
          (find(o, 'Role', 'plue-runner-controller').rules as { verbs: string[] }[])[1]?.verbs.push(
            'update',
          );
        },
      ],
      [
        'grants verb create on events',
        (o) => {
          const rules = find(o, 'Role', 'plue-runner-controller').rules as {
            resources: string[];
            verbs: string[];
          }[];
          rules.find((r) => r.resources.includes('events'))?.verbs.push('create');
        },
      ],
      [
        'grants core/secrets',
        (o) => {
          (
            find(o, 'Role', 'plue-runner-controller').rules as { resources: string[] }[]
          )[1]?.resources.push('secrets');
        },
      ],
      [
        'cluster-wide RBAC',
        (o) => {
          o.push({
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: { name: 'x' },
            rules: [],
          });
        },
      ],
      [
        'egress reaches 169.254.0.0/16',
        (o) => {
          const spec = find(o, 'NetworkPolicy', 'allow-public-egress').spec as {
            egress: { to: { ipBlock: { except: string[] } }[] }[];
          };
          const block = spec.egress[0]?.to[0]?.ipBlock;
          if (block) block.except = block.except.filter((c) => c !== '169.254.0.0/16');
        },
      ],
      [
        'no default-deny NetworkPolicy',
        (o) => {
          o.splice(o.indexOf(find(o, 'NetworkPolicy', 'default-deny')), 1);
        },
      ],
      [
        'no ResourceQuota',
        (o) => {
          o.splice(o.indexOf(find(o, 'ResourceQuota', 'plue-sandbox')), 1);
        },
      ],
      [
        'PLUE_SANDBOX_BACKEND is unset (local), not kubernetes',
        (o) => {
          delete sandboxConfig(o).PLUE_SANDBOX_BACKEND;
        },
      ],
      [
        "step pods' RuntimeClass is runc, not gvisor",
        (o) => {
          sandboxConfig(o).PLUE_K8S_RUNTIME_CLASS = 'runc';
        },
      ],
      [
        'step pods would run in plue, not plue-sandbox',
        (o) => {
          sandboxConfig(o).PLUE_K8S_NAMESPACE = 'plue';
        },
      ],
      [
        'do not fit the plue-sandbox quota of 50 pods',
        (o) => {
          sandboxConfig(o).PLUE_K8S_WARM_POOL = '30';
        },
      ],
      [
        'no PodDisruptionBudget selects its pods',
        (o) => {
          o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'plue-runner-controller')), 1);
        },
      ],
    ];
    for (const [expected, mutate] of cases) {
      const copy = structuredClone(production);
      mutate(copy);
      expect(policyProblems(copy).join('\n'), expected).toContain(expected);
    }
  });
});

describe('schema validation', () => {
  it('reports a wrongly typed field and an unknown kind', async () => {
    const [bad] = parseManifests(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: two\n',
    );
    expect((await validateObject(bad as K8sObject)).join()).toMatch(/replicas must be integer/);
    const [unknown] = parseManifests(
      'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n',
    );
    expect((await validateObject(unknown as K8sObject)).join()).toMatch(/no Kubernetes schema/);
  });
});

/** A Dockerfile's instructions, continuation lines joined. */
function instructions(file: string): string[] {
  return readFileSync(join(ROOT, file), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trimStart().startsWith('#'));
}

describe('images', () => {
  const out = mkdtempSync(join(tmpdir(), 'plue-dockerfile-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each([
    'ssh-bridge/Dockerfile',
    'runner-controller/Dockerfile',
    'runner-controller/step.Dockerfile',
  ])('%s copies files that exist and its bundle builds', async (file) => {
    for (const line of instructions(file)) {
      const copy = /^COPY\s+(?!--from)(.+)$/.exec(line);
      for (const src of copy?.[1]?.trim().split(/\s+/).slice(0, -1) ?? []) {
        expect(existsSync(join(ROOT, src)), `${file}: COPY ${src}`).toBe(true);
      }
      const esbuild = /npx esbuild (.+)$/.exec(line);
      if (!esbuild?.[1]) continue;
      const args = esbuild[1]
        .trim()
        .split(/\s+/)
        .map((a) => a.replace(/'/g, ''))
        .map((a) => (a.startsWith('--outfile=') ? `--outfile=${join(out, a.slice(10))}` : a));
      await exec(join(ROOT, 'node_modules/.bin/esbuild'), [...args, '--log-level=error'], {
        cwd: ROOT,
        timeout: 60_000,
      });
    }
  });

  it.skipIf(!haveKubectl)('expose the ports their Deployments use', async () => {
    const objects = await renderKustomization(BASE);
    for (const [file, deployment] of [
      ['ssh-bridge/Dockerfile', 'plue-ssh-bridge'],
      ['runner-controller/Dockerfile', 'plue-runner-controller'],
    ] as const) {
      const exposed = instructions(file)
        .find((l) => l.startsWith('EXPOSE'))
        ?.split(/\s+/)[1];
      const ports = container(objects, deployment).ports as { containerPort: number }[];
      expect(ports.map((p) => String(p.containerPort))).toContain(exposed);
    }
  });
});
