/** Set in the vault when a recovery left other devices linked, until the person has looked at them. */
export const REVIEW_DEVICES = 'review-devices';
