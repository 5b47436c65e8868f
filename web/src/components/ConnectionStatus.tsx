interface Props {
  online: boolean;
  waiting: number;
}

export function ConnectionStatus({ online, waiting }: Props) {
  const text = online ? "online" : `offline — ${waiting} label${waiting === 1 ? "" : "s"} waiting`;
  return (
    <span class={online ? "status online" : "status offline"} data-testid="connection-status" role="status">
      {text}
    </span>
  );
}
