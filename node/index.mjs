// ES module entry: `import { ImapClient } from 'mailwire'` (the CommonJS build re-exported).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const mailwire = require('./dist/index.js');

export const {
  ImapClient,
  SmtpClient,
  MailError,
  parseMessage,
  buildMessage,
  reply,
  forward,
  setTraceHook,
  UidSet,
  version,
} = mailwire;
export default mailwire;
