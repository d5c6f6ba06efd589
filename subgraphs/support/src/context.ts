import type { Identity } from '@osr/common';
import type { ContactsService } from './contacts.js';
import type { SupportLoaders, SupportRepository } from './repository.js';

export interface Context {
  /** Who is asking (verified by the gateway, signed). */
  identity: Identity;
  repository: SupportRepository;
  loaders: SupportLoaders;
  contacts: ContactsService;
  /** Today in the Netherlands (YYYY-MM-DD), fixed for the whole request. */
  today: string;
}
