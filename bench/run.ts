/**
 * `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same
 * run. `PLUE_BENCH_QUICK=1` uses small repositories; `npm run bench -- git` runs one by name.
 */
import { existsSync } from 'node:fs';

const benches: Record<string, string> = {
  git: './git-http.ts',
  'many-refs': './many-refs.ts',
  ssh: './ssh-clone.ts',
  libgit2: './libgit2-clone.ts',
  browse: './browse.ts',
  'run-stream': './run-stream.ts',
  workflows: './workflows.ts',
  issues: './issues.ts',
  landings: './landings.ts',
  'sandbox-network': './sandbox-network.ts',
  agents: './agents.ts',
  'agent-mentions': './agent-mentions.ts',
};

const only = process.argv.slice(2);
for (const [name, file] of Object.entries(benches)) {
  if (only.length && !only.includes(name)) continue;
  if (!existsSync(new URL(file, import.meta.url))) {
    console.log(`\n## ${name}: not part of this build yet`);
    continue;
  }
  const mod = (await import(file)) as { run(): Promise<void> };
  await mod.run();
}
