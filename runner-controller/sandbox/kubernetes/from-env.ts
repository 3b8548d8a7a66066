/**
 * Builds the `kubernetes` backend from the controller's environment: the API credentials of the
 * pod it runs in (its service account, when KUBERNETES_SERVICE_HOST is set) or else the usual
 * kubeconfig (KUBECONFIG, ~/.kube/config), the PLUE_K8S_* settings (config.ts), and this
 * controller's name (the pod's hostname) to label its sandbox pods with.
 */
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesBackend } from './backend';
import { settingsFromEnv } from './config';

export function kubernetesBackendFromEnv(
  env: Record<string, string | undefined>,
  log?: (message: string) => void,
): KubernetesBackend {
  const kubeConfig = new KubeConfig();
  if (env.KUBECONFIG) kubeConfig.loadFromFile(env.KUBECONFIG);
  else if (env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  return new KubernetesBackend({
    kubeConfig,
    settings: settingsFromEnv(env),
    controllerId: env.PLUE_CONTROLLER_ID || hostname(),
    ...(log ? { log } : {}),
  });
}
