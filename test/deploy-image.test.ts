import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './cli/run-cli.js';

/** One Dockerfile instruction, continuation lines joined, comments dropped. */
interface Instruction {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  image: string;
  name: string | undefined;
  body: Instruction[];
}

/** The instructions of a Dockerfile (no parser directives or heredocs are used in ours). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      line = line.trimEnd().slice(0, -1) + ' ';
      i++;
      while (i < lines.length && /^\s*#/.test(lines[i]!)) i++;
      line += (lines[i] ?? '').trim();
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile:${start + 1}: not an instruction: ${line}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

/** Stages with their base image, ARG defaults declared before the first FROM substituted. */
export function stagesOf(instructions: Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile:${ins.line}: FROM ${ins.args}`);
      const image = m[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => globalArgs.get((a ?? b)!) ?? '');
      stages.push({ image, name: m[2], body: [] });
    } else if (stages.length === 0) {
      if (ins.op !== 'ARG') throw new Error(`Dockerfile:${ins.line}: ${ins.op} before the first FROM`);
      const [name, value] = ins.args.split('=', 2);
      globalArgs.set(name!, value ?? '');
    } else {
      stages.at(-1)!.body.push(ins);
    }
  }
  return stages;
}

/** Problems with a Dockerfile against the rules the image must keep; empty when it keeps them all. */
export function dockerfileProblems(text: string, packageFiles: readonly string[]): string[] {
  const problems: string[] = [];
  const all = parseDockerfile(text);
  const stages = stagesOf(all);
  const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));
  if (stages.length < 2) problems.push('not multi-stage: the image must not carry the build tools and dev dependencies');
  for (const s of stages) {
    if (stageNames.has(s.image)) continue;
    // A pinned base: one exact Node.js release (major.minor.patch) or a digest, Node 20 or 22.
    const m = /^node:(\d+)\.(\d+)\.(\d+)(-[\w.-]+)?(@sha256:[0-9a-f]{64})?$|^node(?::[\w.-]+)?@sha256:[0-9a-f]{64}$/.exec(s.image);
    if (!m) problems.push(`base image ${s.image || '(empty)'} is not pinned to a Node.js release or digest`);
    else if (m[1] && !['20', '22'].includes(m[1])) problems.push(`base image ${s.image}: Node.js ${m[1]} is not an LTS line Lockstep supports in its image (20 or 22)`);
  }
  const final = stages.at(-1);
  if (!final) return ['no FROM'];
  const finalOps = (op: string) => final.body.filter((i) => i.op === op);

  const users = finalOps('USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user) problems.push('the final stage sets no USER: it would run as root');
  else if (user === 'root' || user === '0') problems.push(`the final stage runs as ${user}`);
  else if (!/^\d+$/.test(user)) problems.push(`USER ${user}: name the uid, so that Kubernetes can verify runAsNonRoot`);

  const entrypoint = finalOps('ENTRYPOINT').at(-1);
  if (!entrypoint) problems.push('no ENTRYPOINT');
  else if (entrypoint.args !== '["lockstep"]') problems.push(`ENTRYPOINT ${entrypoint.args}: expected the exec form ["lockstep"]`);
  if (user && entrypoint && users.at(-1)!.line > entrypoint.line) problems.push('USER comes after ENTRYPOINT');
  if (!final.body.some((i) => i.op === 'RUN' && /ln -s \S*bin\/lockstep\.js \/usr\/local\/bin\/lockstep/.test(i.args))) problems.push('lockstep is not on the PATH');

  // Production dependencies only: the final stage's node_modules come from a stage that ran `npm ci --omit=dev`.
  const prodStages = new Set(stages.filter((s) => s.body.some((i) => i.op === 'RUN' && /\bnpm ci\b[^&|;]*--omit=dev/.test(i.args))).map((s) => s.name));
  const modules = finalOps('COPY').filter((i) => /node_modules/.test(i.args));
  if (modules.length !== 1) problems.push('the final stage must copy node_modules exactly once');
  for (const c of modules) {
    const from = /--from=(\S+)/.exec(c.args)?.[1];
    if (!from || !prodStages.has(from)) problems.push(`node_modules copied from ${from ?? 'the build context'}, not from a stage that ran npm ci --omit=dev`);
  }
  if (finalOps('RUN').some((i) => /\bnpm (ci|install|i)\b/.test(i.args) && !/--omit=dev/.test(i.args))) problems.push('the final stage installs dev dependencies');
  for (const s of stages)
    for (const i of s.body.filter((x) => x.op === 'RUN' && /\bnpm (ci|install)\b/.test(x.args)))
      if (!/--ignore-scripts/.test(i.args)) problems.push(`Dockerfile:${i.line}: npm install scripts run during the build`);

  // No secret ever enters a layer or the build history.
  for (const i of all) {
    if ((i.op === 'ARG' || i.op === 'ENV') && /(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|PRIVATE)/i.test(i.args))
      problems.push(`Dockerfile:${i.line}: ${i.op} ${i.args.split(/[=\s]/)[0]} looks like a secret`);
    if ((i.op === 'COPY' || i.op === 'ADD') && /(\.npmrc|\.env\b|\.pem\b|id_rsa|\.key\b)/.test(i.args)) problems.push(`Dockerfile:${i.line}: copies a credential file`);
    if (i.op === 'ADD' && /https?:\/\//.test(i.args)) problems.push(`Dockerfile:${i.line}: ADD downloads from the network`);
  }

  // What the npm package ships is what the image ships (package.json "files"), from the build stage or the context.
  const copied = finalOps('COPY').flatMap((i) => {
    const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    return words.slice(0, -1).map((w) => w.replace(/^\/src\//, ''));
  });
  for (const f of packageFiles.filter((x) => !x.startsWith('!'))) if (!copied.includes(f)) problems.push(`the image lacks ${f}, which the npm package ships`);

  // A read-only root file system: the state folder exists, belongs to USER, and HOME is /tmp.
  const env = finalOps('ENV')
    .map((i) => i.args)
    .join(' ');
  const stateDir = /LOCKSTEP_STATE_DIR=(\S+)/.exec(env)?.[1];
  if (!stateDir) problems.push('LOCKSTEP_STATE_DIR is not set: the file state would go to the working directory');
  else if (user && !finalOps('RUN').some((i) => i.args.includes(`mkdir -p ${stateDir}`) && new RegExp(`chown ${user}(:\\d+)? [^&]*${stateDir}`).test(i.args)))
    problems.push(`${stateDir} is not made and given to uid ${user}`);
  if (!/\bHOME=\/tmp\b/.test(env)) problems.push('HOME is not /tmp: git writes there, and the root file system may be read-only');
  if (finalOps('VOLUME').length) problems.push('an anonymous VOLUME would lose the journal with the container; document the mount instead');

  if (finalOps('HEALTHCHECK').length !== 1) problems.push('no HEALTHCHECK instruction (HEALTHCHECK NONE where orchestrator probes are documented)');
  return problems;
}

const DOCKERFILE = join(ROOT, 'deploy', 'Dockerfile');
const text = readFileSync(DOCKERFILE, 'utf8');
const packageFiles = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;
const stages = stagesOf(parseDockerfile(text));
const uid = Number(
  stages
    .at(-1)!
    .body.filter((i) => i.op === 'USER')
    .at(-1)!
    .args.split(':')[0],
);

type Doc = Record<string, any>;
const manifests = (dir: string, file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(ROOT, 'deploy', dir, file), 'utf8'))
    .map((d) => d.toJS() as Doc)
    .filter(Boolean);

describe('deploy/Dockerfile (lint)', () => {
  it('keeps every rule: multi-stage, pinned Node base, non-root USER, production dependencies only, ENTRYPOINT lockstep, no secrets, read-only root', () => {
    expect(dockerfileProblems(text, packageFiles)).toEqual([]);
  });

  it('the lint finds what breaks those rules', () => {
    const broken = (from: string, to: string) => {
      expect(text, `the Dockerfile has ${from}`).toContain(from);
      return dockerfileProblems(text.replace(from, to), packageFiles);
    };
    expect(broken('USER 1000:1000', 'USER root')).toContain('the final stage runs as root');
    expect(broken('USER 1000:1000', '')).toContain('the final stage sets no USER: it would run as root');
    expect(broken('ARG NODE_IMAGE=node:22.23.4-trixie-slim', 'ARG NODE_IMAGE=node:22-slim')).toEqual(
      expect.arrayContaining(['base image node:22-slim is not pinned to a Node.js release or digest']),
    );
    expect(broken('ARG NODE_IMAGE=node:22.23.4-trixie-slim', 'ARG NODE_IMAGE=node:latest').length).toBeGreaterThan(0);
    expect(broken('npm ci --omit=dev', 'npm ci')).toEqual(expect.arrayContaining([expect.stringMatching(/not from a stage that ran npm ci --omit=dev/)]));
    expect(broken('ENTRYPOINT ["lockstep"]', 'ENTRYPOINT ["node"]')).toEqual(expect.arrayContaining([expect.stringMatching(/ENTRYPOINT/)]));
    expect(broken('ARG NODE_IMAGE=', 'ARG NPM_TOKEN=x\nARG NODE_IMAGE=')).toEqual(expect.arrayContaining([expect.stringMatching(/NPM_TOKEN looks like a secret/)]));
    expect(broken('COPY policies policies', '')).toContain('the image lacks policies, which the npm package ships');
    expect(broken('HEALTHCHECK NONE', '')).toEqual(expect.arrayContaining([expect.stringMatching(/HEALTHCHECK/)]));
    expect(broken('    LOCKSTEP_STATE_DIR=/var/lib/lockstep', '    X=1')).toEqual(expect.arrayContaining([expect.stringMatching(/LOCKSTEP_STATE_DIR is not set/)]));
    const single = text.slice(text.lastIndexOf('FROM ${NODE_IMAGE}\n'));
    expect(dockerfileProblems(`ARG NODE_IMAGE=node:22.23.4-trixie-slim\n${single}`, packageFiles)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^not multi-stage/)]),
    );
  });

  it('declares HEALTHCHECK NONE only because the manifests probe /healthz and /readyz', () => {
    expect(text).toMatch(/^HEALTHCHECK NONE$/m);
    const deployment = manifests('kubernetes', 'deployment.yaml')[0]!;
    const c = deployment['spec']['template']['spec']['containers'][0];
    expect(c['livenessProbe']['httpGet']['path']).toBe('/healthz');
    expect(c['readinessProbe']['httpGet']['path']).toBe('/readyz');
  });

  it('is the image deploy/ runs: one image name everywhere, the same uid, the state folder the file overlay mounts', () => {
    const image = 'ghcr.io/OWNER/lockstep';
    const kustomization = manifests('kubernetes', 'kustomization.yaml')[0]!;
    expect(kustomization['images']).toEqual([{ name: image, newName: image, newTag: 'VERSION' }]);
    const pods = [
      manifests('kubernetes', 'deployment.yaml')[0]!['spec']['template']['spec'],
      manifests('kubernetes', 'cronjob.yaml')[0]!['spec']['jobTemplate']['spec']['template']['spec'],
    ];
    for (const pod of pods) {
      expect(pod['securityContext']['runAsUser']).toBe(uid);
      for (const c of pod['containers'] as Doc[]) {
        expect(c['image']).toBe(`${image}:VERSION`);
        expect(c['command']).toEqual(['lockstep']);
        expect(c['securityContext']['readOnlyRootFilesystem']).toBe(true);
        expect((c['volumeMounts'] as Doc[]).map((m) => m['mountPath'])).toContain('/tmp');
      }
    }
    const overlay = readFileSync(join(ROOT, 'deploy', 'kubernetes-file', 'kustomization.yaml'), 'utf8');
    const stateDir = /LOCKSTEP_STATE_DIR=(\S+)/.exec(text)![1]!;
    expect(overlay).toContain(`- --state-dir\n                  - ${stateDir}`);
    expect(overlay).toContain(`mountPath: ${stateDir}`);
    const readme = readFileSync(join(ROOT, 'deploy', 'README.md'), 'utf8');
    expect(readme).toContain(`docker build -f deploy/Dockerfile -t ${image}:`);
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});

/** A container builder that can build here without the network: a daemon, and the base image already present. */
function builderHere(): { ok: boolean; why: string } {
  const base = stages[0]!.image;
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return { ok: false, why: 'no Docker daemon answers `docker info`' };
  }
  try {
    execFileSync('docker', ['image', 'inspect', base], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return { ok: false, why: `the base image ${base} is not present and cannot be pulled offline` };
  }
  return { ok: true, why: '' };
}
const builder = builderHere();

describe('deploy/Dockerfile (build)', () => {
  it.runIf(builder.ok)(
    `builds, runs as uid 1000 on a read-only root and validates the example policy${builder.ok ? '' : ` (skipped: ${builder.why}; the lint above runs instead)`}`,
    { timeout: 900_000 },
    () => {
      const tag = `lockstep-test:${process.pid}`;
      try {
        execFileSync('docker', ['build', '--pull=false', '-f', DOCKERFILE, '-t', tag, ROOT], { stdio: 'inherit', timeout: 850_000 });
        const out = execFileSync(
          'docker',
          [
            'run',
            '--rm',
            '--read-only',
            '--tmpfs',
            '/tmp',
            '--tmpfs',
            '/var/lib/lockstep',
            '--network',
            'none',
            tag,
            'validate',
            '--offline',
            '--policies',
            '/opt/lockstep/policies',
          ],
          {
            encoding: 'utf8',
          },
        );
        expect(out).toMatch(/Policy northwind is valid/);
        expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'id', tag, '-u'], { encoding: 'utf8' }).trim()).toBe(String(uid));
      } finally {
        execFileSync('docker', ['image', 'rm', '-f', tag], { stdio: 'ignore' });
      }
    },
  );
});
