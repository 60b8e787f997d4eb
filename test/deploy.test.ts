import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cliCommands } from './support/cli-commands.js';
import { ROOT } from './cli/run-cli.js';

/** A manifest: untyped YAML. */
type Doc = Record<string, any>;

const DIR = join(ROOT, 'deploy', 'kubernetes');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const parsed = new Map(
  files.map((f) => {
    const docs = parseAllDocuments(readFileSync(join(DIR, f), 'utf8'));
    for (const d of docs) if (d.errors.length) throw new Error(`${f}: ${d.errors[0]!.message}`);
    return [f, docs.map((d) => d.toJS() as Doc).filter(Boolean)];
  }),
);
const all = [...parsed.entries()].flatMap(([file, docs]) => docs.map((doc) => ({ file, doc })));
const one = (kind: string, file: string): Doc => {
  const found = parsed.get(file)?.filter((d) => d['kind'] === kind) ?? [];
  expect(found, `${file} holds one ${kind}`).toHaveLength(1);
  return found[0]!;
};

const deployment = one('Deployment', 'deployment.yaml');
const cronjob = one('CronJob', 'cronjob.yaml');
const pods: Array<{ where: string; spec: Doc }> = [
  { where: 'Deployment', spec: deployment['spec']['template']['spec'] },
  { where: 'CronJob', spec: cronjob['spec']['jobTemplate']['spec']['template']['spec'] },
];
const containers = pods.flatMap((p) => (p.spec['containers'] as Doc[]).map((c) => ({ where: p.where, pod: p.spec, c })));

/** A container's command line with `$(VAR)` left as written. */
const commandLine = (c: Doc): string[] => [...((c['command'] as string[]) ?? []), ...((c['args'] as string[]) ?? [])].map(String);

/** The controller options the manifests rely on, named so a missing one fails by name. */
const CONTROLLER_FLAGS = ['--repo', '--branch', '--interval', '--listen', '--state', '--state-dir', '--work-dir', '--webhook-secret-file', '--alert-webhook', '--once'];
/** Leader election options the integrator adds to `controller`, wired to LeaseElector. */
const LEADER_FLAGS = ['--leader-election', '--lease-namespace', '--lease-name'];

const commands = cliCommands();
const controller = commands.get('controller');
/** Until the integrator adds them all are absent; once one is there, all must be. */
const leaderFlagsWired = LEADER_FLAGS.some((f) => controller?.has(f));

describe('deploy/kubernetes manifests', () => {
  it('kustomization.yaml lists every manifest except the example Secret', () => {
    const k = one('Kustomization', 'kustomization.yaml');
    const listed = [...(k['resources'] as string[])].sort();
    expect(listed).toEqual(files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort());
    expect(k['namespace']).toBe('lockstep');
  });

  it('runs 2 replicas of the controller with leader election on a Lease', () => {
    expect(deployment['spec']['replicas']).toBe(2);
    const args = commandLine(deployment['spec']['template']['spec']['containers'][0]);
    expect(args.slice(0, 2)).toEqual(['lockstep', 'controller']);
    expect(args).toContain('--leader-election');
    expect(args[args.indexOf('--listen') + 1]).toBe('0.0.0.0:8080');
    expect(args[args.indexOf('--lease-name') + 1]).toBe('lockstep-controller');
  });

  it('the Role grants only get, create and update on leases in coordination.k8s.io', () => {
    const role = one('Role', 'role.yaml');
    expect(role['rules']).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
    expect(all.filter(({ doc }) => ['ClusterRole', 'ClusterRoleBinding'].includes(doc['kind']))).toEqual([]);
    const binding = one('RoleBinding', 'rolebinding.yaml');
    const sa = one('ServiceAccount', 'serviceaccount.yaml');
    expect(binding['roleRef']).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role['metadata']['name'] });
    expect(binding['subjects']).toEqual([{ kind: 'ServiceAccount', name: sa['metadata']['name'], namespace: 'lockstep' }]);
    expect(deployment['spec']['template']['spec']['serviceAccountName']).toBe(sa['metadata']['name']);
  });

  it('probes /healthz (liveness) and /readyz (readiness) on the http port', () => {
    const c = deployment['spec']['template']['spec']['containers'][0];
    expect(c['livenessProbe']['httpGet']).toMatchObject({ path: '/healthz', port: 'http' });
    expect(c['readinessProbe']['httpGet']).toMatchObject({ path: '/readyz', port: 'http' });
    expect(c['ports']).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
  });

  it('sets resource requests and limits and a locked-down securityContext on every container', () => {
    for (const { where, pod, c } of containers) {
      for (const kind of ['requests', 'limits']) {
        expect(c['resources']?.[kind], `${where} resources.${kind}`).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      }
      expect(pod['securityContext'], where).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c['securityContext'], where).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c['securityContext']['privileged'] ?? false, where).toBe(false);
      expect(c['securityContext']['capabilities']['add'], where).toBeUndefined();
      // The read-only root needs somewhere to write: the policy clone goes to an emptyDir, a cache.
      const args = commandLine(c);
      const workDir = args[args.indexOf('--work-dir') + 1]!;
      const mount = (c['volumeMounts'] as Doc[]).find((m) => workDir.startsWith(`${m['mountPath']}/`));
      expect(mount, `${where} mounts ${workDir}`).toBeDefined();
      expect((pod['volumes'] as Doc[]).find((v) => v['name'] === mount!['name'])?.['emptyDir'], where).toBeDefined();
    }
  });

  it('keeps all state in PostgreSQL, named by reference to a Secret, never on an emptyDir', () => {
    for (const { where, c } of containers) {
      const args = commandLine(c);
      expect(args[args.indexOf('--state') + 1], where).toBe('${env:LOCKSTEP_STATE_URL}');
      expect(args, where).not.toContain('--state-dir');
      expect(
        (c['env'] as Doc[]).find((e) => e['name'] === 'LOCKSTEP_STATE_URL'),
        where,
      ).toEqual({ name: 'LOCKSTEP_STATE_URL', valueFrom: { secretKeyRef: { name: 'lockstep-state', key: 'url' } } });
    }
    const np = one('NetworkPolicy', 'networkpolicy.yaml');
    expect((np['spec']['egress'] as Doc[]).flatMap((r) => (r['ports'] as Doc[]).map((p) => p['port']))).toContain(5432);
  });

  it('the file-backend overlay runs one replica with its state on a PersistentVolumeClaim, without leader election', () => {
    const dir = join(ROOT, 'deploy', 'kubernetes-file');
    const overlay = parseAllDocuments(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as Doc;
    expect(overlay['resources']).toEqual(['../kubernetes', 'pvc.yaml']);
    const pvc = parseAllDocuments(readFileSync(join(dir, 'pvc.yaml'), 'utf8'))[0]!.toJS() as Doc;
    expect(pvc).toMatchObject({ kind: 'PersistentVolumeClaim', metadata: { name: 'lockstep-state' }, spec: { accessModes: ['ReadWriteOnce'] } });
    const patches = (overlay['patches'] as Doc[]).map((p) => parseAllDocuments(p['patch'] as string)[0]!.toJS() as Doc);
    const deleted = patches.filter((p) => p['$patch'] === 'delete').map((p) => `${p['kind']}/${p['metadata']['name']}`);
    expect(deleted.sort()).toEqual([`Role/${one('Role', 'role.yaml')['metadata']['name']}`, `RoleBinding/${one('RoleBinding', 'rolebinding.yaml')['metadata']['name']}`]);
    const deploy = patches.find((p) => p['kind'] === 'Deployment')!;
    expect(deploy['spec']).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    const podSpecs = [deploy['spec']['template']['spec'], patches.find((p) => p['kind'] === 'CronJob')!['spec']['jobTemplate']['spec']['template']['spec']];
    for (const spec of podSpecs) {
      const c = spec['containers'][0] as Doc;
      const args = (c['args'] as string[]).map(String);
      expect(args).not.toContain('--leader-election');
      expect(args[args.indexOf('--state') + 1]).toBe('file');
      const stateDir = args[args.indexOf('--state-dir') + 1];
      const mount = (c['volumeMounts'] as Doc[]).find((m) => m['mountPath'] === stateDir)!;
      expect((spec['volumes'] as Doc[]).find((v) => v['name'] === mount['name'])).toMatchObject({ persistentVolumeClaim: { claimName: 'lockstep-state' } });
      expect(c['env']).toEqual([{ name: 'LOCKSTEP_STATE_URL', $patch: 'delete' }]);
      const [cmd, ...rest] = args;
      for (const flag of rest.filter((a) => a.startsWith('--'))) expect(commands.get(cmd!)!.has(flag), `lockstep ${cmd} ${flag}`).toBe(true);
    }
    // Nowhere in deploy/ does state sit on an emptyDir: the only emptyDirs are the clone cache and /tmp.
    for (const { pod, c } of containers) {
      const emptyDirs = new Set((pod['volumes'] as Doc[]).filter((v) => v['emptyDir']).map((v) => v['name']));
      const paths = (c['volumeMounts'] as Doc[])
        .filter((m) => emptyDirs.has(m['name']))
        .map((m) => m['mountPath'])
        .sort();
      expect(
        paths.every((p: string) => ['/tmp', '/var/cache/lockstep'].includes(p)),
        paths.join(', '),
      ).toBe(true);
    }
  });

  it('the Service exposes 8080 and the NetworkPolicy admits ingress to 8080 only', () => {
    const svc = one('Service', 'service.yaml');
    expect(svc['spec']['ports']).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc['spec']['selector']).toEqual(deployment['spec']['selector']['matchLabels']);
    const np = one('NetworkPolicy', 'networkpolicy.yaml');
    expect(np['spec']['policyTypes']).toEqual(['Ingress', 'Egress']);
    expect(deployment['spec']['template']['metadata']['labels']).toMatchObject(np['spec']['podSelector']['matchLabels']);
    for (const rule of np['spec']['ingress'] as Doc[]) {
      expect(rule['ports']).toEqual([{ protocol: 'TCP', port: 8080 }]);
      expect((rule['from'] as Doc[]).length).toBeGreaterThan(0);
      for (const peer of rule['from'] as Doc[]) expect(peer['namespaceSelector'] ?? peer['podSelector']).toBeDefined();
    }
    const egressPorts = (np['spec']['egress'] as Doc[]).flatMap((r) => (r['ports'] as Doc[]).map((p) => `${p['protocol']}/${p['port']}`));
    expect(egressPorts.sort()).toEqual(['TCP/443', 'TCP/53', 'TCP/5432', 'TCP/6443', 'UDP/53']);
  });

  it('the CronJob alternative runs `controller --once` every 15 minutes, never overlapping', () => {
    expect(cronjob['spec']).toMatchObject({ schedule: '*/15 * * * *', concurrencyPolicy: 'Forbid' });
    // Shipped suspended: the base applies the Deployment; deploy/kubernetes-cronjob switches.
    expect(cronjob['spec']['suspend']).toBe(true);
    const args = commandLine(cronjob['spec']['jobTemplate']['spec']['template']['spec']['containers'][0]);
    expect(args.slice(0, 3)).toEqual(['lockstep', 'controller', '--once']);
    expect(args).not.toContain('--leader-election');
    const overlay = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'kubernetes-cronjob', 'kustomization.yaml'), 'utf8'))[0]!.toJS() as Doc;
    expect(overlay['resources']).toEqual(['../kubernetes']);
    expect(JSON.stringify(overlay['patches'])).toContain('suspend: false');
  });

  it('holds no literal secret values: credentials come from Secrets by reference, the example only has placeholders', () => {
    for (const { where, c } of containers) {
      for (const e of (c['env'] as Doc[]) ?? []) {
        if ('value' in e) expect(['HOME'], `${where} env ${e['name']} has a literal value`).toContain(e['name']);
      }
      expect(c['envFrom'], where).toEqual([{ secretRef: { name: 'lockstep-provider-credentials' } }]);
    }
    for (const { file, doc } of all) {
      if (doc['kind'] === 'Secret') expect(file, 'Secrets live only in the example').toBe('secret.example.yaml');
    }
    const examples = parsed.get('secret.example.yaml')!;
    const referenced = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Doc;
        for (const key of ['secretRef', 'secretKeyRef']) if (o[key]?.['name']) referenced.add(o[key]['name']);
        if (typeof o['secretName'] === 'string') referenced.add(o['secretName']);
        Object.values(o).forEach(walk);
      }
    };
    for (const { doc } of all) walk(doc);
    // Every Secret the pods read has an example, and each example value is a placeholder.
    expect([...referenced].sort()).toEqual(examples.map((s) => s['metadata']['name']).sort());
    for (const s of examples) {
      expect(s['data'], 'placeholders go in stringData').toBeUndefined();
      for (const [key, value] of Object.entries(s['stringData'] as Record<string, string>)) {
        expect(value, `${s['metadata']['name']}.${key}`).toMatch(/REPLACE_ME|OWNER/);
      }
    }
    expect(readFileSync(join(DIR, 'secret.example.yaml'), 'utf8')).toMatch(/^# EXAMPLE ONLY/);
  });

  it('uses only lockstep commands and options that exist in the CLI', () => {
    for (const { where, c } of containers) {
      const [bin, cmd, ...rest] = commandLine(c);
      expect(bin).toBe('lockstep');
      expect(commands.has(cmd!), `${where}: lockstep ${cmd}`).toBe(true);
      for (const flag of rest.filter((a) => a.startsWith('--'))) {
        if (LEADER_FLAGS.includes(flag) && !leaderFlagsWired) continue; // the skipped check below
        expect(commands.get(cmd!)!.has(flag), `${where}: lockstep ${cmd} ${flag}`).toBe(true);
      }
    }
    for (const flag of CONTROLLER_FLAGS) expect(controller?.has(flag), `lockstep controller ${flag}`).toBe(true);
  });

  it.skipIf(!leaderFlagsWired)(
    'lockstep controller has the leader election options (skipped until the integrator adds --leader-election, --lease-namespace, --lease-name)',
    () => {
      for (const flag of LEADER_FLAGS) expect(controller!.has(flag), `lockstep controller ${flag}`).toBe(true);
    },
  );
});
