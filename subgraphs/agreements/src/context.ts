import type { Identity } from '@osr/common';
import type { AgreementsService } from './agreements.js';
import type { AgreementsLoaders, AgreementsRepository } from './repository.js';
import type { ChangeFollower } from './review.js';

export interface Context {
  /** Who is asking (verified by the gateway, signed). */
  identity: Identity;
  repository: AgreementsRepository;
  loaders: AgreementsLoaders;
  agreements: AgreementsService;
  follower: ChangeFollower;
  /** Today in the Netherlands (YYYY-MM-DD), fixed for the whole request. */
  today: string;
}
