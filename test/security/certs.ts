/**
 * Throwaway certificates made with the openssl CLI in a temp dir (removed at once): self-signed
 * ones, and a small PKI (root CA → intermediates → leaves) for the TLS verification cases. EC P-256
 * keys, so making a dozen takes well under a second.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  readonly cert: string;
  readonly key: string;
}

const openssl = (args: string[], cwd: string): void => {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
};

const withDir = <T>(work: (dir: string) => T): T => {
  const dir = mkdtempSync(join(tmpdir(), 'lnc-sec-cert-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed certificate (its own CA) with the given subject alternative names. */
export function selfSigned(cn: string, san: string): TestCert {
  return withDir((dir) => {
    openssl(
      [
        'req',
        '-x509',
        ...KEY,
        '-days',
        '1',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-subj',
        `/CN=${cn}`,
        '-addext',
        `subjectAltName=${san}`,
      ],
      dir,
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  });
}

/** A root CA: basicConstraints CA:TRUE, keyCertSign. */
export function rootCa(cn = 'lnc test root CA'): TestCert {
  return withDir((dir) => {
    openssl(
      [
        'req',
        '-x509',
        ...KEY,
        '-days',
        '2',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-subj',
        `/CN=${cn}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  });
}

export interface IssueOptions {
  readonly cn: string;
  /** subjectAltName, e.g. 'IP:127.0.0.1,DNS:localhost'. */
  readonly san?: string;
  /** extendedKeyUsage, e.g. 'serverAuth' or 'clientAuth'. Omitted: no EKU extension. */
  readonly eku?: string;
  /** Make it a CA (an intermediate). Default false: basicConstraints CA:FALSE. */
  readonly ca?: boolean;
  /** keyUsage; default 'digitalSignature' for a leaf, 'keyCertSign,cRLSign' for a CA. */
  readonly keyUsage?: string;
  /** Validity, openssl `ca` dates (YYYYMMDDHHMMSSZ). Default: from an hour ago for a day. */
  readonly startDate?: string;
  readonly endDate?: string;
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

/**
 * A certificate for `o.cn` signed by `issuer`, through `openssl ca` (which, unlike `x509 -req`, sets
 * any validity window on OpenSSL 3.0, so expired certificates can be made).
 */
export function issue(issuer: TestCert, o: IssueOptions): TestCert {
  return withDir((dir) => {
    writeFileSync(join(dir, 'issuer.pem'), issuer.cert);
    writeFileSync(join(dir, 'issuer.key'), issuer.key);
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
    const ext = [
      `basicConstraints=critical,CA:${o.ca === true ? 'TRUE' : 'FALSE'}`,
      `keyUsage=critical,${o.keyUsage ?? (o.ca === true ? 'keyCertSign,cRLSign' : 'digitalSignature')}`,
      ...(o.san ? [`subjectAltName=${o.san}`] : []),
      ...(o.eku ? [`extendedKeyUsage=${o.eku}`] : []),
    ];
    writeFileSync(
      join(dir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca=test',
        '[test]',
        'dir=.',
        'database=index.txt',
        'serial=serial',
        'new_certs_dir=.',
        'certificate=issuer.pem',
        'private_key=issuer.key',
        'default_md=sha256',
        'policy=any',
        'unique_subject=no',
        'copy_extensions=none',
        'x509_extensions=ext',
        '[any]',
        'commonName=supplied',
        '[ext]',
        ...ext,
        '',
      ].join('\n'),
    );
    openssl(['req', '-new', ...KEY, '-keyout', 'key.pem', '-out', 'req.csr', '-subj', `/CN=${o.cn}`], dir);
    const now = Date.now();
    openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        'ca.cnf',
        '-in',
        'req.csr',
        '-out',
        'cert.pem',
        '-startdate',
        o.startDate ?? stamp(new Date(now - 3_600_000)),
        '-enddate',
        o.endDate ?? stamp(new Date(now + 86_400_000)),
      ],
      dir,
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  });
}

/** The PEM chain a server presents: its certificate, then the intermediates. */
export const chain = (leaf: TestCert, ...intermediates: TestCert[]): TestCert => ({
  cert: [leaf.cert, ...intermediates.map((c) => c.cert)].join(''),
  key: leaf.key,
});
