/** Input limits shared by the command definitions (registered with Discord) and the handlers. */
export const MAX_QUESTION_LENGTH = 500;
export const MAX_TERM_LENGTH = 100;
