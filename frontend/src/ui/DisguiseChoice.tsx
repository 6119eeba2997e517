import { ChoiceGroup } from './Choice';
import { chooseDisguise, DISGUISES, type DisguiseId, useDisguise } from './disguise';
import { strings } from './strings';

/**
 * How the app shows on this device: the person picks one of the faces, and it takes effect at
 * once (the title, the icon, the manifest an install would take), before and after unlock alike.
 */
export function DisguiseChoice({ idPrefix }: { idPrefix: string }) {
  const shown = useDisguise();
  const options = DISGUISES.map(({ id, name, icon }) => ({
    value: id,
    label: name,
    hint: (
      <span class="disguise-hint">
        <img src={icon} alt="" width={20} height={20} />
        {id === 'plain' ? strings.disguisePlainHint : strings.disguiseEverydayHint}
      </span>
    ),
  }));
  return (
    <ChoiceGroup<DisguiseId>
      legend={strings.disguiseHeading}
      type="radio"
      idPrefix={idPrefix}
      name={idPrefix}
      options={options}
      chosen={(id) => id === shown.id}
      onChoose={(id, on) => on && chooseDisguise(id)}
      describedBy={`${idPrefix}-help`}
    >
      <p id={`${idPrefix}-help`} class="hint">
        {strings.disguiseHelp}
      </p>
    </ChoiceGroup>
  );
}
