// Tests import the codec through the package's public entry point, as users do.
export * from '../../src/index';
import { utf8 } from '../../src/wire/bytes';
export const utf8Encode = utf8;
