import { generate } from 'selfsigned';

/**
 * Certificates for emulators served over https: a private CA and a server certificate it
 * signed for 127.0.0.1, ::1 and localhost, made once per process. Clients are given the
 * CA to trust, as a kubeconfig carries a cluster's CA or a company hands out its private
 * CA. Nothing is written to disk here.
 */
export interface ServerCertificate {
  /** The CA certificate (PEM) clients add to their trusted CAs. */
  caPem: string;
  keyPem: string;
  certPem: string;
}

const days = (n: number): Date => new Date(Date.now() + n * 86_400_000);

let made: Promise<ServerCertificate> | undefined;

export function serverCertificate(): Promise<ServerCertificate> {
  made ??= makeServerCertificate();
  return made;
}

async function makeServerCertificate(): Promise<ServerCertificate> {
  const validity = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate: days(-1), notAfterDate: days(30) } as const;
  const ca = await generate([{ name: 'commonName', value: 'Lockstep Emulator CA' }], {
    ...validity,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...validity,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, keyPem: server.private, certPem: server.cert };
}

/** An RSA client certificate with its private key, as one PEM (what an app's certificate file holds), and the certificate alone. */
export async function clientCertificate(commonName: string): Promise<{ certPem: string; pem: string }> {
  const made = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: days(-1),
    notAfterDate: days(365),
  });
  return { certPem: made.cert, pem: `${made.private.trim()}\n${made.cert.trim()}\n` };
}
