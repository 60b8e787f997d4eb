import { stringify } from 'yaml';

/** A kubeconfig reaching `server` with the CA inline and a bearer token, as `kubectl config view --raw` prints one. */
export function kubeconfigText(server: string, caPem: string, token: string, context = 'emulator'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: `${context}-cluster`, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: `${context}-admin`, user: { token } }],
    contexts: [{ name: context, context: { cluster: `${context}-cluster`, user: `${context}-admin` } }],
    'current-context': context,
    preferences: {},
  });
}
