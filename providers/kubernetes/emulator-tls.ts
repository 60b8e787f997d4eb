import { generate } from 'selfsigned';
import { stringify } from 'yaml';

/**
 * The emulator's serving certificate: self-signed for 127.0.0.1, ::1 and localhost, made
 * once per process, and given to clients as the cluster's certificate authority exactly
 * as a kubeconfig carries a real cluster's CA.
 */
export interface ServingCert {
  certPem: string;
  keyPem: string;
}

let made: Promise<ServingCert> | undefined;

export function servingCert(): Promise<ServingCert> {
  made ??= generate([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 7 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  }).then((r) => ({ certPem: r.cert, keyPem: r.private }));
  return made;
}

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
