import { strings } from './strings';

/** Said plainly, at first run and in Settings: what no app on this device can keep safe. */
export function Limits({ headingLevel }: { headingLevel: 2 | 3 }) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <>
      <Heading id={`limits-heading-${headingLevel}`}>{strings.limitsHeading}</Heading>
      <ul aria-labelledby={`limits-heading-${headingLevel}`}>
        {strings.limits.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <p>{strings.limitsHelp}</p>
    </>
  );
}
