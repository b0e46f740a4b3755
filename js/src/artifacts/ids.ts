/**
 * The artifact view's command id, in a module of its own: the run detail view
 * names it without importing the command (which imports the detail view's
 * module through the shared view helpers).
 */

/** Open the artifact view: args `{store?, project, name, version?}`. */
export const OPEN_ARTIFACT = 'nbrun:open-artifact';
