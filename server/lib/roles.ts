// The staff roles: the one definition, low enough for configuration and every layer to use.
export type Role = 'admin' | 'coordinator' | 'analyst';
export const ROLES: Role[] = ['admin', 'coordinator', 'analyst'];
