/**
 * Which evidence answers which control: the frameworks auditors test access removal and
 * periodic access review against. Each control names the files of the evidence package
 * that answer it; `attestations.json` (access reviews merged and recorded in the period)
 * answers the review requirements.
 */
export interface ControlMapping {
  readonly framework: string;
  readonly control: string;
  readonly requirement: string;
  readonly evidence: readonly string[];
}

export const CONTROLS: readonly ControlMapping[] = [
  {
    framework: 'SOC 2 (2017 TSC)',
    control: 'CC6.2',
    requirement: 'Users are registered and authorised before access is granted, and removed when access is no longer authorised.',
    evidence: ['policy-history.json', 'terminations.json', 'attestations.json', 'journal-extract.jsonl', 'journal-verification.json'],
  },
  {
    framework: 'SOC 2 (2017 TSC)',
    control: 'CC6.3',
    requirement: 'Access is authorised, modified or removed based on roles, responsibilities and least privilege; access is reviewed.',
    evidence: ['policy-history.json', 'attestations.json', 'report.json', 'journal-extract.jsonl'],
  },
  {
    framework: 'ISO/IEC 27001:2022',
    control: 'A.5.18',
    requirement: 'Access rights are provisioned, reviewed, modified and removed in accordance with the access control policy.',
    evidence: ['policy-history.json', 'terminations.json', 'attestations.json', 'report.json', 'journal-extract.jsonl'],
  },
  {
    framework: 'ISO/IEC 27001:2013',
    control: 'A.9.2.5',
    requirement: "Asset owners review users' access rights at regular intervals.",
    evidence: ['attestations.json', 'policy-history.json', 'journal-extract.jsonl', 'journal-verification.json'],
  },
  {
    framework: 'ISO/IEC 27001:2013',
    control: 'A.9.2.6',
    requirement: 'Access rights of all employees and external party users are removed upon termination of their employment, contract or agreement.',
    evidence: ['terminations.json', 'journal-extract.jsonl', 'journal-verification.json'],
  },
  {
    framework: 'HIPAA Security Rule',
    control: '164.308(a)(3)(ii)(C)',
    requirement: 'Termination procedures: procedures for terminating access to ePHI when the employment of a workforce member ends.',
    evidence: ['terminations.json', 'journal-extract.jsonl', 'report.json'],
  },
  {
    framework: 'NIST SP 800-171',
    control: '3.9.2',
    requirement: 'Ensure that organizational systems containing CUI are protected during and after personnel actions such as terminations and transfers.',
    evidence: ['terminations.json', 'journal-extract.jsonl', 'journal-verification.json'],
  },
];
