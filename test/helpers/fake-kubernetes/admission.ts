/**
 * The LimitRanger admission plugin of the fake Kubernetes API server, for Container `max` only:
 * a pod whose container limit passes the namespace's LimitRange max is refused with the real
 * plugin's words (k8s.io/kubernetes plugin/pkg/admission/limitranger/admission.go, maxConstraint:
 * "maximum %s usage per %s is %s, but limit is %s", several joined as "[a, b]" by
 * utilerrors.NewAggregate, wrapped by admission.NewForbidden as `pods "<name>" is forbidden: …`,
 * the name being the generateName while the pod has none yet). Quantities are printed as
 * resource.Quantity.String() prints them: canonical, so a limit sent as 16384Mi reads 16Gi.
 */

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A quantity's value and whether it was written with a binary suffix. */
function parse(text: string): { value: number; binary: boolean } {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T)?$/.exec(text.trim());
  if (!m) throw new Error(`quantities must match the regular expression: ${text}`);
  const suffix = m[2] ?? '';
  const binary = suffix in BINARY;
  return {
    value: Number(m[1]) * (binary ? (BINARY[suffix] ?? 1) : (DECIMAL[suffix] ?? 1)),
    binary,
  };
}

/** As resource.Quantity.String(): the largest suffix that keeps the number whole. */
export function canonical(text: string): string {
  const { value, binary } = parse(text);
  if (binary) {
    for (const [suffix, size] of Object.entries(BINARY).reverse()) {
      if (value % size === 0) return `${value / size}${suffix}`;
    }
    return String(value);
  }
  const milli = Math.round(value * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

interface PodLike {
  metadata: { name?: string; generateName?: string };
  spec?: { containers?: { resources?: { limits?: Record<string, string> } }[] };
}

/** The LimitRanger's refusal of `pod` under a Container `max`, or undefined when it fits. */
export function limitRangeRefusal(pod: PodLike, max: Record<string, string>): string | undefined {
  const errors: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const limits = c.resources?.limits ?? {};
    for (const [resource, enforced] of Object.entries(max)) {
      const limit = limits[resource];
      if (limit === undefined) {
        errors.push(
          `maximum ${resource} usage per Container is ${canonical(enforced)}.  No limit is specified`,
        );
      } else if (parse(limit).value > parse(enforced).value) {
        errors.push(
          `maximum ${resource} usage per Container is ${canonical(enforced)}, but limit is ${canonical(limit)}`,
        );
      }
    }
  }
  if (errors.length === 0) return undefined;
  const name = pod.metadata.name || pod.metadata.generateName || 'Unknown';
  const why = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  return `pods "${name}" is forbidden: ${why}`;
}
