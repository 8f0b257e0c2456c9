export { pickBackend } from './backend';
export { loadDigits, type Split } from './mnist';
