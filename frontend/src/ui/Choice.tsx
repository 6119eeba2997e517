import type { ComponentChildren } from 'preact';

interface ChoiceProps {
  /** The control's id; a hint gets `${id}-hint`. */
  id: string;
  type?: 'checkbox' | 'radio';
  /** Radios that share a name are one group: Tab stops once, the arrow keys choose. */
  name?: string | undefined;
  value?: string | undefined;
  /** The control's whole accessible name: keep it short, put anything more in `hint`. */
  label: string;
  checked: boolean;
  disabled?: boolean | undefined;
  onChange(checked: boolean): void;
  /** Quieter words under the label, read out with the control as its description. */
  hint?: ComponentChildren;
  /** Ids of further descriptions outside the choice. */
  describedBy?: string | undefined;
}

/**
 * One tick-box or radio button with its words. The control sits left of the label's first line and
 * the label wraps under its own text, so a control can never be read as the one above it; the whole
 * label is the target. A hint stays outside the label: a tap on it (often an answer's long text,
 * scrolled past on a phone) must not tick anything, and the accessible name stays just the label.
 */
export function Choice({
  id,
  type = 'checkbox',
  name,
  value,
  label,
  checked,
  disabled,
  onChange,
  hint,
  describedBy,
}: ChoiceProps) {
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const described = [hintId, describedBy].filter((ref) => ref !== undefined).join(' ');
  return (
    <div class="choice">
      <label for={id}>
        <input
          id={id}
          type={type}
          name={name}
          value={value}
          checked={checked}
          disabled={disabled}
          aria-describedby={described === '' ? undefined : described}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
        <span>{label}</span>
      </label>
      {hint !== undefined && (
        <div id={hintId} class="choice-hint">
          {hint}
        </div>
      )}
    </div>
  );
}

/** One option of a ChoiceGroup; its control's id is `${idPrefix}-${value}`. */
export interface ChoiceOption<T extends string> {
  readonly value: T;
  readonly label: string;
  readonly hint?: ComponentChildren;
}

interface ChoiceGroupProps<T extends string> {
  legend: string;
  /** For a group whose purpose a visible heading or summary already says. */
  legendHidden?: boolean;
  type: 'checkbox' | 'radio';
  idPrefix: string;
  name?: string;
  options: readonly ChoiceOption<T>[];
  chosen(value: T): boolean;
  onChoose(value: T, on: boolean): void;
  disabled?: boolean;
  /** Ids of descriptions of the whole group. */
  describedBy?: string;
  /** Shown under the legend, before the options: a hint about the group, or what to do when it is empty. */
  children?: ComponentChildren;
}

/** A group of tick-boxes or radio buttons under one legend. */
export function ChoiceGroup<T extends string>({
  legend,
  legendHidden,
  type,
  idPrefix,
  name,
  options,
  chosen,
  onChoose,
  disabled,
  describedBy,
  children,
}: ChoiceGroupProps<T>) {
  return (
    <fieldset aria-describedby={describedBy}>
      <legend class={legendHidden === true ? 'visually-hidden' : undefined}>{legend}</legend>
      {children}
      {options.map(({ value, label, hint }) => (
        <Choice
          key={value}
          id={`${idPrefix}-${value}`}
          type={type}
          name={name}
          value={value}
          label={label}
          hint={hint}
          checked={chosen(value)}
          disabled={disabled}
          onChange={(on) => onChoose(value, on)}
        />
      ))}
    </fieldset>
  );
}

/** The options of a record of `{ label, hint }` (an ally's roles and standings in strings.ts), in its order. */
export function optionsOf<T extends string>(
  record: Readonly<Record<T, { readonly label: string; readonly hint?: string }>>,
): ChoiceOption<T>[] {
  return (Object.entries(record) as [T, { label: string; hint?: string }][]).map(([value, { label, hint }]) => ({
    value,
    label,
    hint,
  }));
}
