/**
 * The Job that holds one sandbox pod (pure: settings in, a V1Job out). The pod is what
 * docs/design/sandbox.md §3 and deploy/policy.ts ask of a step pod: the gVisor RuntimeClass,
 * non-root (the step image's uid 1001), every capability dropped, no privilege escalation,
 * seccomp RuntimeDefault, a read-only root filesystem with writable emptyDir volumes only at
 * /workspace, /tmp and /run/plue, CPU, memory and ephemeral-storage limits, no service-account
 * token, no service links, no cluster DNS, and an activeDeadlineSeconds that ends it even if the
 * controller is gone. Its main process only waits: commands arrive by exec (backend.ts says why),
 * so the same pod can be started before a step exists (the warm pool). The label
 * `plue.dev/network: allowed` is what the sandbox namespace's NetworkPolicy admits to the public
 * internet; every other pod has no network at all.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { KubernetesSettings, PodLimits } from './config';

export const LABEL_APP = 'app.kubernetes.io/name';
export const LABEL_CONTROLLER = 'plue.dev/controller';
export const LABEL_POOL = 'plue.dev/pool';
export const LABEL_NETWORK = 'plue.dev/network';
export const STEP_CONTAINER = 'step';
/** Writable volumes: the workspace (also $HOME), scratch, and evaluation inputs (evaluate.ts). */
export const WRITABLE_PATHS = { workspace: '/workspace', tmp: '/tmp', run: '/run/plue' } as const;

/** PID 1 of the pod: waits, and exits at once on SIGTERM (sh ignores it while in `sleep`). */
const IDLE_COMMAND = 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done';

export interface JobInput {
  name: string;
  settings: KubernetesSettings;
  /** Sanitised controller id (a label value). */
  controller: string;
  pool: 'warm' | 'cold';
  network: boolean;
  limits: PodLimits;
  /** Seconds the Job may live (it is deleted sooner when its step ends). */
  deadlineSeconds: number;
}

/** A label value made of `text`: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
export function labelValue(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned || 'x';
}

/** Kubernetes quantity of CPU (millicores) and of bytes (whole Mi when exact, else bytes). */
export function cpuQuantity(cpus: number): string {
  return `${Math.max(1, Math.round(cpus * 1000))}m`;
}
export function byteQuantity(bytes: number): string {
  const mi = 1024 * 1024;
  return bytes % mi === 0 ? `${bytes / mi}Mi` : String(Math.round(bytes));
}

/** The Job (with its pod template) for one sandbox pod. */
export function buildJob(input: JobInput): V1Job {
  const { settings, limits } = input;
  const labels = {
    [LABEL_APP]: 'plue-step',
    [LABEL_CONTROLLER]: input.controller,
    [LABEL_POOL]: input.pool,
    [LABEL_NETWORK]: input.network ? 'allowed' : 'none',
  };
  const ratio = settings.requestRatio;
  const scratch = (share: number) => ({ sizeLimit: byteQuantity(limits.ephemeralBytes * share) });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.name, namespace: settings.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: input.deadlineSeconds,
      ttlSecondsAfterFinished: 60,
      template: {
        metadata: { labels },
        spec: {
          runtimeClassName: settings.runtimeClassName,
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 5,
          dnsPolicy: 'None',
          dnsConfig: { nameservers: settings.nameservers },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: settings.uid,
            runAsGroup: settings.uid,
            fsGroup: settings.uid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: STEP_CONTAINER,
              image: settings.image,
              command: ['/bin/sh', '-c', IDLE_COMMAND],
              workingDir: WRITABLE_PATHS.workspace,
              env: [{ name: 'HOME', value: WRITABLE_PATHS.workspace }],
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                privileged: false,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              resources: {
                limits: {
                  cpu: cpuQuantity(limits.cpus),
                  memory: byteQuantity(limits.memoryBytes),
                  'ephemeral-storage': byteQuantity(limits.ephemeralBytes),
                },
                requests: {
                  cpu: cpuQuantity(limits.cpus * ratio),
                  memory: byteQuantity(
                    Math.round((limits.memoryBytes * ratio) / 1048576) * 1048576,
                  ),
                  'ephemeral-storage': byteQuantity(
                    Math.round((limits.ephemeralBytes * ratio) / 1048576) * 1048576,
                  ),
                },
              },
              volumeMounts: [
                { name: 'workspace', mountPath: WRITABLE_PATHS.workspace },
                { name: 'tmp', mountPath: WRITABLE_PATHS.tmp },
                { name: 'run', mountPath: WRITABLE_PATHS.run },
              ],
            },
          ],
          volumes: [
            { name: 'workspace', emptyDir: scratch(1) },
            { name: 'tmp', emptyDir: scratch(0.25) },
            { name: 'run', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}
