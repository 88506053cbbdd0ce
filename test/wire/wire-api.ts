// Tests import the codec through its public entry point, `lnc-client/wire`, as users do.
export * from '../../src/wire/index';
import { utf8 } from '../../src/wire/bytes';
export const utf8Encode = utf8;
