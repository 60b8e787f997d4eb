import { it } from 'vitest';
import { demoOrg } from '../../src/demo/demo-org.js';
import { renderPolicyFolder } from '../../src/demo/write-policy.js';
it('peek', () => {
  const org = demoOrg();
  const files = renderPolicyFolder(org);
  console.log(files.get('inventories/vpn.yaml')!.slice(0, 1200));
  console.log(files.get('people.csv')!.slice(0, 1500));
  console.log(files.get('lifecycle.yaml')!.slice(0, 700));
});
