import { describe, expect, it } from 'vitest';
import type { Ally } from '../records';
import { byStanding, holdsBothRoles, inviteCautions, sharingCaution } from './allyMap';

const ally = (name: string, status: Ally['status'], roles: Ally['roles'] = []) => ({
  id: name,
  body: { name, status, roles },
});

describe('the allies map', () => {
  it('groups people by where they stand: with me, maybe, then careful, keeping their order', () => {
    const people = [ally('Kim', 'barrier'), ally('Ana', 'ally'), ally('Ben', 'maybe'), ally('Cal', 'ally')];
    const groups = byStanding(people).map((g) => [g.standing, g.allies.map((a) => a.id)]);
    expect(groups).toEqual([
      ['ally', ['Ana', 'Cal']],
      ['maybe', ['Ben']],
      ['barrier', ['Kim']],
    ]);
  });

  it('shows no group nobody is in', () => {
    expect(byStanding([ally('Ben', 'maybe')]).map((g) => g.standing)).toEqual(['maybe']);
    expect(byStanding([])).toEqual([]);
  });

  it('flags one person who supports me and works with the person who harmed me', () => {
    expect(holdsBothRoles(ally('Ana', 'ally', ['supports-me', 'supports-person-doing-harm']).body)).toBe(true);
    expect(holdsBothRoles(ally('Ana', 'ally', ['supports-me', 'facilitator']).body)).toBe(false);
    expect(holdsBothRoles(ally('Ana', 'ally', ['supports-person-doing-harm']).body)).toBe(false);
  });
});

describe('cautions', () => {
  it('warns before inviting someone marked careful, to any circle', () => {
    expect(inviteCautions(ally('Kim', 'barrier').body, 'supports-allies')).toEqual(['careful']);
    expect(inviteCautions(ally('Ana', 'ally').body, 'supports-me')).toEqual([]);
    expect(inviteCautions(ally('Ben', 'maybe').body, 'other')).toEqual([]);
  });

  it('warns before inviting someone who works with the person doing harm into a circle that supports me', () => {
    const both = ally('Rua', 'barrier', ['supports-person-doing-harm']).body;
    expect(inviteCautions(both, 'supports-me')).toEqual(['careful', 'works-with-harm']);
    expect(inviteCautions({ ...both, status: 'ally' }, 'supports-person-doing-harm')).toEqual([]);
  });

  it('cautions sharing only into a circle for the person doing harm', () => {
    expect(sharingCaution('supports-person-doing-harm')).toBe(true);
    for (const purpose of ['supports-me', 'supports-allies', 'other'] as const)
      expect(sharingCaution(purpose)).toBe(false);
  });
});
