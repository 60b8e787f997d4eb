/**
 * The fixed vocabulary of the demo organisation: departments with their share of the
 * headcount and their titles, and the names people are drawn from. All ASCII, so
 * emails derive from names without transliteration.
 */

export interface DepartmentSpec {
  readonly name: string;
  /** metadata.name of the department's RoleProfile and RoleAssignment. */
  readonly slug: string;
  /** Share of the headcount; the shares sum to 1. */
  readonly share: number;
  readonly headTitle: string;
  readonly managerTitle: string;
  readonly titles: readonly string[];
  readonly description: string;
}

export const DEPARTMENTS: readonly DepartmentSpec[] = [
  {
    name: 'Engineering', slug: 'engineering', share: 0.31, headTitle: 'VP Engineering', managerTitle: 'Engineering Manager',
    titles: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'QA Engineer', 'Site Reliability Engineer'],
    description: 'Product engineering: code, runbooks, on-call tooling',
  },
  {
    name: 'Sales', slug: 'sales', share: 0.17, headTitle: 'VP Sales', managerTitle: 'Sales Manager',
    titles: ['Account Executive', 'Sales Development Representative', 'Solutions Consultant'],
    description: 'Account executives and sales development',
  },
  {
    name: 'Support', slug: 'support', share: 0.15, headTitle: 'Head of Support', managerTitle: 'Support Team Lead',
    titles: ['Support Specialist', 'Senior Support Specialist', 'Support Engineer'],
    description: 'Customer support queues and knowledge base',
  },
  {
    name: 'Marketing', slug: 'marketing', share: 0.09, headTitle: 'VP Marketing', managerTitle: 'Marketing Lead',
    titles: ['Content Strategist', 'Product Marketing Specialist', 'Designer', 'Events Coordinator'],
    description: 'Campaigns, content and brand',
  },
  {
    name: 'Finance', slug: 'finance', share: 0.08, headTitle: 'Chief Financial Officer', managerTitle: 'Controller',
    titles: ['Accountant', 'Financial Analyst', 'Payroll Specialist'],
    description: 'Accounting, payroll and financial planning',
  },
  {
    name: 'IT', slug: 'it', share: 0.08, headTitle: 'Head of IT', managerTitle: 'IT Manager',
    titles: ['Systems Engineer', 'IT Support Technician', 'Network Engineer'],
    description: 'Workplace IT, networks and endpoints',
  },
  {
    name: 'People', slug: 'people', share: 0.07, headTitle: 'VP People', managerTitle: 'People Operations Lead',
    titles: ['HR Generalist', 'Recruiter', 'People Partner'],
    description: 'Hiring, HR operations and people partners',
  },
  {
    name: 'Legal', slug: 'legal', share: 0.05, headTitle: 'General Counsel', managerTitle: 'Legal Operations Lead',
    titles: ['Counsel', 'Paralegal', 'Contracts Manager'],
    description: 'Contracts, privacy and compliance',
  },
];

export const DEPARTMENT_NAMES: readonly string[] = DEPARTMENTS.map((d) => d.name);

export const CEO_TITLE = 'Chief Executive Officer';
export const EXECUTIVE_DEPARTMENT = 'Executive';
/** The title given to the IT staff who hold the privileged it-admin role. */
export const ADMIN_TITLE = 'IT Administrator';

/** Staffing agencies contractors come through; their agency address is an alias. */
export const AGENCY_DOMAINS: readonly string[] = ['brightline-staffing.example', 'kestrel-partners.example', 'quayside-talent.example'];

/** Non-human accounts in the roster (employment_type service), owned by the head of IT. */
export const SERVICE_ACCOUNTS: readonly { local: string; name: string }[] = [
  { local: 'svc-backup', name: 'Backup service' },
  { local: 'svc-ci', name: 'CI pipeline' },
  { local: 'svc-directory-sync', name: 'Directory sync' },
  { local: 'svc-reporting', name: 'Reporting jobs' },
  { local: 'svc-monitoring', name: 'Monitoring agent' },
];

export const FIRST_NAMES: readonly string[] = [
  'Aaliyah', 'Aarav', 'Abigail', 'Adrian', 'Aisha', 'Alejandro', 'Alice', 'Amara', 'Amelia', 'Andre',
  'Anika', 'Arjun', 'Ava', 'Beatriz', 'Benjamin', 'Bianca', 'Caleb', 'Camila', 'Carlos', 'Carmen',
  'Chen', 'Chloe', 'Daniel', 'Dana', 'David', 'Deepa', 'Diego', 'Elena', 'Eli', 'Emeka',
  'Emily', 'Emma', 'Ethan', 'Fatima', 'Felix', 'Freya', 'Gabriel', 'Grace', 'Hana', 'Hannah',
  'Hiroshi', 'Ibrahim', 'Ines', 'Isaac', 'Isabella', 'Ivan', 'Jack', 'Jamal', 'James', 'Jana',
  'Javier', 'Jin', 'Joao', 'Jonas', 'Julia', 'Kai', 'Karim', 'Kenji', 'Kofi', 'Laila',
  'Lars', 'Leah', 'Leon', 'Lina', 'Lucas', 'Lucia', 'Maya', 'Mateo', 'Mei', 'Mia',
  'Miguel', 'Mohammed', 'Nadia', 'Naomi', 'Nathan', 'Nia', 'Nikhil', 'Noah', 'Nora', 'Olivia',
  'Omar', 'Oscar', 'Priya', 'Rafael', 'Rania', 'Ravi', 'Rosa', 'Ruth', 'Samuel', 'Sara',
  'Sofia', 'Sven', 'Tariq', 'Thomas', 'Tomas', 'Valentina', 'Victor', 'Wei', 'Yara', 'Zara',
];

export const LAST_NAMES: readonly string[] = [
  'Abara', 'Adeyemi', 'Alvarez', 'Andersen', 'Bakker', 'Banerjee', 'Becker', 'Bianchi', 'Brennan', 'Campbell',
  'Castillo', 'Chowdhury', 'Costa', 'Dawson', 'Delgado', 'Dubois', 'Eriksen', 'Fernandes', 'Fischer', 'Fitzgerald',
  'Garcia', 'Gonzalez', 'Gupta', 'Haddad', 'Hansen', 'Hartmann', 'Hayes', 'Hoang', 'Horvat', 'Ibrahim',
  'Ito', 'Jansen', 'Jensen', 'Kamara', 'Kaur', 'Kim', 'Kowalski', 'Kumar', 'Larsen', 'Lee',
  'Lindqvist', 'Lopez', 'Mahmoud', 'Martin', 'Mendes', 'Meyer', 'Molina', 'Moreau', 'Murphy', 'Nakamura',
  'Navarro', 'Nguyen', 'Novak', 'Nowak', 'Obi', 'Okafor', 'Olsen', 'Ortiz', 'Park', 'Patel',
  'Pereira', 'Petrov', 'Quinn', 'Ramirez', 'Rao', 'Reyes', 'Richter', 'Rossi', 'Russo', 'Saito',
  'Santos', 'Schmidt', 'Sharma', 'Silva', 'Singh', 'Sato', 'Schneider', 'Suzuki', 'Tanaka', 'Taylor',
  'Thompson', 'Torres', 'Tran', 'Uchenna', 'Vargas', 'Varga', 'Verma', 'Vogel', 'Wagner', 'Walsh',
  'Wang', 'Weber', 'Wisniewski', 'Wright', 'Yamada', 'Yilmaz', 'Young', 'Zhang', 'Zhou', 'Zimmermann',
];
