import { generate } from 'selfsigned';

/**
 * Certificates made when an emulator starts: a private CA and a server certificate it
 * signed for 127.0.0.1, ::1 and localhost (clients trust the CA, as they would a
 * company's private CA), and, on request, an app's client certificate for certificate
 * credentials. Nothing is written to disk here.
 */

export interface ServerCertificates {
  /** The CA certificate (PEM) clients add to their trusted CAs. */
  caPem: string;
  key: string;
  cert: string;
}

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

export async function makeServerCertificates(): Promise<ServerCertificates> {
  const ca = await generate([{ name: 'commonName', value: 'Lockstep Emulator CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: days(-1),
    notAfterDate: days(30),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: days(-1),
    notAfterDate: days(30),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { caPem: ca.cert, key: server.private, cert: server.cert };
}

/** An RSA client certificate with its private key, as one PEM (what an app's certificate file holds). */
export async function makeClientCertificate(cn: string): Promise<{ cert: string; pem: string }> {
  const made = await generate([{ name: 'commonName', value: cn }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256', notBeforeDate: days(-1), notAfterDate: days(365) });
  return { cert: made.cert, pem: `${made.private.trim()}\n${made.cert.trim()}\n` };
}
