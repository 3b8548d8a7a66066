/**
 * Plue's own rules for its Kubernetes manifests, on top of schema validity (render.ts): the
 * security fields docs/deploy.md promises, checked on the rendered objects so that a manifest
 * that drops one fails `npm test`. `policyProblems` returns one line per broken rule (empty when
 * all hold). The rules:
 * - every pod template: non-root, seccomp RuntimeDefault, no host namespaces or hostPath, an
 *   explicit automountServiceAccountToken (true only for a service account some RoleBinding
 *   names), and per container a read-only root filesystem, no privilege escalation, capabilities
 *   dropped to none, and a memory limit (and a CPU limit on gVisor, or GKE Sandbox enforces
 *   neither);
 * - pods in the sandbox namespace, and the runner controller's (it unpacks the workspaces step
 *   pods send back), use the `gvisor` RuntimeClass;
 * - the runner controller runs steps with its `kubernetes` backend (its environment, ConfigMaps
 *   included, says PLUE_SANDBOX_BACKEND=kubernetes), in the sandbox namespace, on `gvisor`, with
 *   a step image named, a Role there for its ServiceAccount, and warm pools and concurrency that
 *   fit the namespace's pod quota;
 * - RBAC: no cluster-wide roles or bindings; Roles only in the sandbox namespace, only on Jobs,
 *   Pods, pods/log and pods/exec (no verb beyond get/list/watch/create/delete) and reading
 *   events (get/list), with no wildcard;
 * - the sandbox namespace: Pod Security `restricted`, a default-deny NetworkPolicy, egress only
 *   to public IPv4 ranges, a ResourceQuota and a LimitRange;
 * - every Deployment has a PodDisruptionBudget that selects its pods.
 */
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import type { INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicySpec';
import { DEFAULT_SETTINGS } from '../runner-controller/sandbox/kubernetes/config';
import { objectId, type K8sObject } from './render';

export const SANDBOX_NAMESPACE = 'plue-sandbox';
export const CONTROLLER_APP = 'plue-runner-controller';

/** Ranges a networked step must never reach: private, shared, loopback, link-local (metadata). */
export const FORBIDDEN_EGRESS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '0.0.0.0/8',
];

const ALLOWED_RBAC: Record<string, string[]> = {
  'batch/jobs': ['get', 'list', 'watch', 'create', 'delete'],
  '/pods': ['get', 'list', 'watch', 'create', 'delete'],
  '/pods/log': ['get'],
  '/pods/exec': ['create', 'get'],
  '/events': ['get', 'list'],
};

interface PodTemplate {
  id: string;
  namespace: string | undefined;
  labels: Record<string, string>;
  spec: IPodSpec;
}

/** Field `path` of `value`, or undefined when any step is missing. */
function dig(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** The pod templates of workloads (and bare Pods), with where they will run. */
export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const obj of objects) {
    const template =
      obj.kind === 'Pod'
        ? { metadata: obj.metadata, spec: obj.spec }
        : obj.kind === 'CronJob'
          ? dig(obj, 'spec', 'jobTemplate', 'spec', 'template')
          : ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(obj.kind)
            ? dig(obj, 'spec', 'template')
            : undefined;
    const spec = dig(template, 'spec');
    if (typeof spec !== 'object' || spec === null) continue;
    out.push({
      id: objectId(obj),
      namespace: obj.metadata.namespace,
      labels: (dig(template, 'metadata', 'labels') ?? {}) as Record<string, string>,
      spec: spec as IPodSpec,
    });
  }
  return out;
}

/** Service accounts (`namespace/name`) that some RoleBinding or ClusterRoleBinding names. */
function boundServiceAccounts(objects: K8sObject[]): Set<string> {
  const out = new Set<string>();
  for (const obj of objects) {
    if (!obj.kind.endsWith('RoleBinding')) continue;
    for (const s of (obj.subjects ?? []) as { kind: string; name: string; namespace?: string }[]) {
      if (s.kind === 'ServiceAccount')
        out.add(`${s.namespace ?? obj.metadata.namespace}/${s.name}`);
    }
  }
  return out;
}

function podProblems(pod: PodTemplate, bound: Set<string>): string[] {
  const p: string[] = [];
  const { spec, id } = pod;
  const podSc = spec.securityContext ?? {};
  if (podSc.runAsNonRoot !== true) p.push(`${id}: pod securityContext.runAsNonRoot is not true`);
  if (podSc.runAsUser === 0) p.push(`${id}: pod runs as uid 0`);
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) p.push(`${id}: uses a host namespace`);
  if ((spec.volumes ?? []).some((v) => v.hostPath)) p.push(`${id}: mounts a hostPath volume`);
  if (spec.automountServiceAccountToken === undefined) {
    p.push(`${id}: automountServiceAccountToken is not set explicitly`);
  } else if (spec.automountServiceAccountToken) {
    const sa = `${pod.namespace}/${spec.serviceAccountName ?? 'default'}`;
    if (!spec.serviceAccountName || !bound.has(sa)) {
      p.push(`${id}: mounts a token for ${sa}, which no RoleBinding names (set it to false)`);
    }
  }
  const needsGvisor = pod.namespace === SANDBOX_NAMESPACE || pod.labels.app === CONTROLLER_APP;
  if (needsGvisor && spec.runtimeClassName !== 'gvisor') {
    p.push(`${id}: runs step code but runtimeClassName is not gvisor`);
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    const where = `${id} container ${c.name}`;
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault') p.push(`${where}: seccomp profile is not RuntimeDefault`);
    if (sc.readOnlyRootFilesystem !== true) p.push(`${where}: root filesystem is not read-only`);
    if (sc.allowPrivilegeEscalation !== false) {
      p.push(`${where}: allowPrivilegeEscalation is not false`);
    }
    if (sc.privileged) p.push(`${where}: is privileged`);
    if (sc.runAsUser === 0 || sc.runAsNonRoot === false) p.push(`${where}: may run as root`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL'))
      p.push(`${where}: does not drop ALL capabilities`);
    if ((sc.capabilities?.add ?? []).length > 0) p.push(`${where}: adds capabilities`);
    if (c.resources?.limits?.memory === undefined) p.push(`${where}: has no memory limit`);
    // GKE Sandbox enforces limits only when every container of the pod has CPU and memory ones.
    if (spec.runtimeClassName === 'gvisor' && c.resources?.limits?.cpu === undefined) {
      p.push(`${where}: runs on gVisor without a CPU limit (its memory limit would not hold)`);
    }
  }
  return p;
}

function ruleProblems(id: string, rule: IPolicyRule): string[] {
  const p: string[] = [];
  if ((rule.nonResourceURLs ?? []).length > 0) p.push(`${id}: grants non-resource URLs`);
  for (const group of rule.apiGroups ?? ['']) {
    for (const resource of rule.resources ?? []) {
      const allowed = ALLOWED_RBAC[`${group}/${resource}`];
      if (!allowed) {
        p.push(
          `${id}: grants ${group || 'core'}/${resource}, outside Jobs, Pods, pods/log, pods/exec and events`,
        );
        continue;
      }
      for (const verb of rule.verbs) {
        if (!allowed.includes(verb)) p.push(`${id}: grants verb ${verb} on ${resource}`);
      }
    }
  }
  return p;
}

function rbacProblems(objects: K8sObject[]): string[] {
  const p: string[] = [];
  for (const obj of objects) {
    const id = objectId(obj);
    if (obj.kind === 'ClusterRole' || obj.kind === 'ClusterRoleBinding') {
      p.push(`${id}: cluster-wide RBAC is not allowed`);
    } else if (obj.kind === 'Role') {
      if (obj.metadata.namespace !== SANDBOX_NAMESPACE) {
        p.push(`${id}: a Role outside ${SANDBOX_NAMESPACE}`);
      }
      for (const rule of (obj.rules ?? []) as IPolicyRule[]) p.push(...ruleProblems(id, rule));
    } else if (obj.kind === 'RoleBinding' && dig(obj, 'roleRef', 'kind') !== 'Role') {
      p.push(`${id}: binds a ClusterRole`);
    }
  }
  return p;
}

function egressProblems(id: string, spec: INetworkPolicySpec): string[] {
  const p: string[] = [];
  if ((spec.ingress ?? []).length > 0) p.push(`${id}: allows ingress into the sandbox`);
  for (const rule of spec.egress ?? []) {
    if (!rule.to || rule.to.length === 0) p.push(`${id}: allows egress to everywhere`);
    for (const peer of rule.to ?? []) {
      if (peer.podSelector || peer.namespaceSelector) {
        p.push(`${id}: allows egress to pods in the cluster`);
      }
      const block = peer.ipBlock;
      if (!block) continue;
      const except = new Set(block.except ?? []);
      const open = block.cidr === '0.0.0.0/0' ? FORBIDDEN_EGRESS.filter((c) => !except.has(c)) : [];
      if (open.length > 0) p.push(`${id}: egress reaches ${open.join(', ')}`);
      if (block.cidr.includes(':')) p.push(`${id}: allows IPv6 egress (${block.cidr})`);
    }
  }
  return p;
}

function sandboxProblems(objects: K8sObject[]): string[] {
  const p: string[] = [];
  const inSandbox = objects.filter((o) => o.metadata.namespace === SANDBOX_NAMESPACE);
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === SANDBOX_NAMESPACE);
  if (!ns) return [`Namespace ${SANDBOX_NAMESPACE} is missing`];
  if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
    p.push(`Namespace ${SANDBOX_NAMESPACE}: Pod Security "restricted" is not enforced`);
  }
  const policies = inSandbox.filter((o) => o.kind === 'NetworkPolicy');
  const denyAll = policies.some((o) => {
    const spec = o.spec as INetworkPolicySpec;
    const types = spec.policyTypes ?? [];
    return (
      Object.keys(spec.podSelector ?? {}).length === 0 &&
      types.includes('Ingress') &&
      types.includes('Egress') &&
      (spec.ingress ?? []).length === 0 &&
      (spec.egress ?? []).length === 0
    );
  });
  if (!denyAll) p.push(`${SANDBOX_NAMESPACE}: no default-deny NetworkPolicy`);
  for (const o of policies) p.push(...egressProblems(objectId(o), o.spec as INetworkPolicySpec));
  for (const kind of ['ResourceQuota', 'LimitRange']) {
    if (!inSandbox.some((o) => o.kind === kind)) p.push(`${SANDBOX_NAMESPACE}: no ${kind}`);
  }
  return p;
}

function disruptionProblems(objects: K8sObject[]): string[] {
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  const p: string[] = [];
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const labels = (dig(d, 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<
      string,
      string
    >;
    const covered = budgets.some((b) => {
      const want = (dig(b, 'spec', 'selector', 'matchLabels') ?? {}) as Record<string, string>;
      const keys = Object.keys(want);
      return (
        b.metadata.namespace === d.metadata.namespace &&
        keys.length > 0 &&
        keys.every((k) => labels[k] === want[k])
      );
    });
    if (!covered) p.push(`${objectId(d)}: no PodDisruptionBudget selects its pods`);
  }
  return p;
}

/**
 * The environment a Deployment's first container gets, as the kubelet builds it: the data of
 * the ConfigMaps its envFrom names (in the rendered set), then its own literal `env` values,
 * which win. Values from Secrets or fields are left out.
 */
export function deploymentEnv(objects: K8sObject[], deployment: K8sObject): Record<string, string> {
  const pod = podTemplates([deployment])[0];
  const c = pod?.spec.containers[0];
  const env: Record<string, string> = {};
  for (const from of c?.envFrom ?? []) {
    const name = from.configMapRef?.name;
    const map = objects.find(
      (o) =>
        o.kind === 'ConfigMap' &&
        o.metadata.name === name &&
        o.metadata.namespace === deployment.metadata.namespace,
    );
    Object.assign(env, (map?.data ?? {}) as Record<string, string>);
  }
  for (const e of c?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

/** The runner controller's sandbox settings: where and how its step pods run. */
function controllerProblems(objects: K8sObject[]): string[] {
  const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === CONTROLLER_APP);
  if (!d) return [];
  const id = objectId(d);
  const env = deploymentEnv(objects, d);
  const p: string[] = [];
  if (env.PLUE_SANDBOX_BACKEND !== 'kubernetes') {
    p.push(
      `${id}: PLUE_SANDBOX_BACKEND is ${env.PLUE_SANDBOX_BACKEND ?? 'unset (local)'}, not ` +
        `kubernetes: steps would run inside the controller's own pod`,
    );
  }
  const ns = env.PLUE_K8S_NAMESPACE || DEFAULT_SETTINGS.namespace;
  if (ns !== SANDBOX_NAMESPACE)
    p.push(`${id}: step pods would run in ${ns}, not ${SANDBOX_NAMESPACE}`);
  const runtime = env.PLUE_K8S_RUNTIME_CLASS || DEFAULT_SETTINGS.runtimeClassName;
  if (runtime !== 'gvisor') p.push(`${id}: step pods' RuntimeClass is ${runtime}, not gvisor`);
  if (!env.PLUE_K8S_STEP_IMAGE) p.push(`${id}: PLUE_K8S_STEP_IMAGE names no step image`);
  const sa = `${d.metadata.namespace}/${podTemplates([d])[0]?.spec.serviceAccountName ?? 'default'}`;
  const hasRole = objects.some(
    (o) =>
      o.kind === 'RoleBinding' &&
      o.metadata.namespace === ns &&
      ((o.subjects ?? []) as { kind: string; name: string; namespace?: string }[]).some(
        (s) => s.kind === 'ServiceAccount' && `${s.namespace ?? ns}/${s.name}` === sa,
      ),
  );
  if (!hasRole) p.push(`${id}: its ServiceAccount ${sa} has no Role in ${ns}`);
  // Each replica keeps its warm pools and runs up to its concurrency's steps (one pod each at
  // least): all of them must fit in the sandbox's pod quota.
  const whole = (v: string | undefined, fallback: number) => (v ? Number(v) : fallback);
  const perReplica =
    whole(env.PLUE_K8S_WARM_POOL, DEFAULT_SETTINGS.warmPool) +
    whole(env.PLUE_K8S_WARM_POOL_NETWORK, DEFAULT_SETTINGS.warmPoolNetwork) +
    whole(env.PLUE_RUNNER_CONCURRENCY, 2); // main.ts's default
  const replicas = Number(dig(d, 'spec', 'replicas') ?? 1);
  const quota = objects.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === ns);
  const pods = Number(dig(quota, 'spec', 'hard', 'pods') ?? Infinity);
  if (!(replicas * perReplica <= pods)) {
    p.push(
      `${id}: ${replicas} replicas × ${perReplica} pods (warm pools + concurrency) do not fit ` +
        `the ${ns} quota of ${pods} pods`,
    );
  }
  return p;
}

/** Every broken rule in a rendered set of manifests, one line each. */
export function policyProblems(objects: K8sObject[]): string[] {
  const bound = boundServiceAccounts(objects);
  return [
    ...podTemplates(objects).flatMap((pod) => podProblems(pod, bound)),
    ...rbacProblems(objects),
    ...sandboxProblems(objects),
    ...controllerProblems(objects),
    ...disruptionProblems(objects),
  ];
}
