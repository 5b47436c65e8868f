import type { ApiClient } from "../api/client";
import type { Project, Task } from "../api/models";
import { formatValue } from "../lib/format";
import { AudioItem, type AudioControls } from "./AudioItem";
import { ImageItem, type ImageControls } from "./ImageItem";
import type { MediaAction } from "../lib/keymap";

interface Props {
  api: ApiClient;
  project: Project;
  task: Task;
  imageControls: { current: ImageControls | null };
  audioControls: { current: AudioControls | null };
}

/** One item, shown the way its modality needs. Data is always rendered as text. */
export function ItemView({ api, project, task, imageControls, audioControls }: Props) {
  switch (project.modality) {
    case "image":
      return <ImageItem api={api} task={task} controls={imageControls} />;
    case "audio":
      return <AudioItem api={api} task={task} controls={audioControls} />;
    case "tabular":
      return <TableItem data={task.data} />;
    default:
      return <TextItem task={task} />;
  }
}

function TextItem({ task }: { task: Task }) {
  const text = task.text ?? formatValue(Object.values(task.data)[0]);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a long text scrolls, and the keyboard must reach it to scroll it.
    <div class="item-text" data-testid="item-text" tabIndex={0}>
      {text}
    </div>
  );
}

export function TableItem({ data }: { data: Record<string, unknown> }) {
  return (
    <div class="table-box">
      <table class="item-table" data-testid="item-table">
      <tbody>
        {Object.entries(data).map(([field, value]) => (
          <tr key={field}>
            <th scope="row">{field}</th>
            <td>{formatValue(value)}</td>
          </tr>
        ))}
        </tbody>
      </table>
    </div>
  );
}

/** Play, seek or zoom the item shown, for a media key of the labeling or review page. */
export function runMediaAction(action: MediaAction, audio: AudioControls | null, image: ImageControls | null): void {
  switch (action) {
    case "play":
      audio?.togglePlay();
      break;
    case "seekBack":
      audio?.seek(-5);
      break;
    case "seekForward":
      audio?.seek(5);
      break;
    case "zoomIn":
      image?.zoomIn();
      break;
    case "zoomOut":
      image?.zoomOut();
      break;
    case "zoomReset":
      image?.reset();
      break;
  }
}
