export { pickBackend } from './backend';
export { loadDigits, loadDigitsWithValidation, type Split } from './mnist';
export { flagsOrExit, parseArgs, type FlagKind, type FlagSpec } from './flags';
export { ALPHA, formatComparison, pairedComparison, type Comparison } from './verdict';
export { epochOrder, minibatch } from './batches';
