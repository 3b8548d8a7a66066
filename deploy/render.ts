/**
 * Renders a kustomization of deploy/ into Kubernetes objects and validates each against the
 * Kubernetes OpenAPI schemas, offline: `kubectl kustomize` (kustomize is built into kubectl,
 * which this project's machines carry) does the rendering, the `yaml` package parses the stream,
 * and the `kubernetes-models` package checks every object with the JSON schema generated from
 * the Kubernetes OpenAPI document for its apiVersion and kind (types, enums, required fields,
 * formats). An object with no schema there (a misspelt kind, an unknown group/version) is an
 * error too. Used by deploy/manifests.test.ts; nothing here talks to a cluster.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const exec = promisify(execFile);

/** The parts of every Kubernetes object this module and the policy checks rely on. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** kubectl to render with: PLUE_KUBECTL, else `kubectl` on PATH. */
export const KUBECTL = process.env.PLUE_KUBECTL || 'kubectl';

/** Whether kubectl (with its built-in kustomize) can be run here. */
export async function kubectlAvailable(): Promise<boolean> {
  try {
    await exec(KUBECTL, ['version', '--client'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Renders `dir` (a folder with kustomization.yaml) into its objects, in kustomize's order. */
export async function renderKustomization(dir: string): Promise<K8sObject[]> {
  const { stdout } = await exec(KUBECTL, ['kustomize', dir], {
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseManifests(stdout);
}

/** Parses a multi-document YAML stream; every document must be an object with kind and name. */
export function parseManifests(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isK8sObject(value)) {
      throw new Error(`not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    }
    out.push(value);
  }
  return out;
}

function isK8sObject(value: unknown): value is K8sObject {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const meta = v.metadata as Record<string, unknown> | undefined;
  return (
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    typeof meta === 'object' &&
    meta !== null &&
    typeof meta.name === 'string'
  );
}

/** `kind/namespace/name`, how problems name an object. */
export function objectId(obj: K8sObject): string {
  return `${obj.kind}/${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** kubernetes-models' module path for an apiVersion and kind: `apps/v1/Deployment`, `v1/Pod`. */
function modelPath(obj: K8sObject): string {
  return `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
}

/**
 * Validates one object against the schema of its apiVersion and kind; returns the problems
 * (empty when valid).
 */
export async function validateObject(obj: K8sObject): Promise<string[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ modelPath(obj))) as Record<string, unknown>;
  } catch {
    return [`${objectId(obj)}: no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`];
  }
  const Model = mod[obj.kind] as ModelClass | undefined;
  if (typeof Model !== 'function') {
    return [`${objectId(obj)}: no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`];
  }
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    return [`${objectId(obj)}: ${err instanceof Error ? err.message : String(err)}`];
  }
}
