export class ErasePersonalDataCommand {
  constructor(
    readonly customerId: string,
    /** The administrator asking, from the credential. */
    readonly actor: string,
  ) {}
}
